import type { Context } from 'koa';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../constants.js';
import { introspectToken } from '../token/introspect-token.js';
import type { ClientCredentials, VerifyImpersonationTokenOptions } from '../types.js';
import { createRecheckCache, type RecheckCache } from './recheck-cache.js';
import type { GatehouseRpEvent, GatehouseRpOptions } from './types.js';

/** {@link GatehouseRpOptions} with defaults applied and checked once, at startup. */
export interface RpConfig<User extends object> {
  credentials: ClientCredentials;
  verify: VerifyImpersonationTokenOptions;
  redeemPath: string;
  stopPath: string;
  ticketDelivery: 'form_post' | 'query';
  afterRedeem: (ctx: Context) => string;
  afterStop: (ctx: Context) => string;
  getUser: GatehouseRpOptions<User>['getUser'];
  getUserById: GatehouseRpOptions<User>['getUserById'];
  cookieName: string;
  recheck: RecheckCache;
  emit: (event: GatehouseRpEvent, ctx: Context) => void;
}

function required(options: object, name: string): string {
  const value = (options as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '') throw new TypeError(`gatehouseRp: "${name}" is required`);
  return value;
}

/** The app's origin, as the string Gatehouse puts in `aud` (scheme://host[:port], no path). */
function toOrigin(origin: string): string {
  const url = new URL(origin);
  if (url.pathname !== '/' || url.search || url.hash || url.origin === 'null') {
    throw new TypeError(`gatehouseRp: "origin" must be a bare origin like https://app.acme.com, got ${origin}`);
  }
  return url.origin;
}

function path(value: string | undefined, fallback: string, name: string): string {
  const result = value ?? fallback;
  if (!result.startsWith('/')) throw new TypeError(`gatehouseRp: "${name}" must start with "/"`);
  return result;
}

const toTarget = (target: string | ((ctx: Context) => string) | undefined) =>
  typeof target === 'function' ? target : () => target ?? '/';

/** Validates options (throwing TypeError on a mistake, so it shows at boot) and fills defaults. */
export function resolveConfig<User extends object>(options: GatehouseRpOptions<User>): RpConfig<User> {
  const credentials = {
    issuer: required(options, 'issuer'),
    clientId: required(options, 'clientId'),
    clientSecret: required(options, 'clientSecret'),
  };
  const redeemPath = path(options.redeemPath, '/impersonate', 'redeemPath');
  const stopPath = path(options.stopPath, '/impersonate/stop', 'stopPath');
  if (redeemPath === stopPath) throw new TypeError('gatehouseRp: redeemPath and stopPath must differ');
  const ticketDelivery = options.ticketDelivery ?? 'form_post';
  if (ticketDelivery !== 'form_post' && ticketDelivery !== 'query') {
    throw new TypeError('gatehouseRp: "ticketDelivery" must be "form_post" or "query"');
  }
  const recheckSeconds = options.recheckSeconds ?? 30;
  if (!Number.isFinite(recheckSeconds) || recheckSeconds < 0) {
    throw new TypeError('gatehouseRp: "recheckSeconds" must be a number >= 0');
  }
  const { onEvent } = options;
  return {
    credentials,
    verify: {
      issuer: credentials.issuer,
      audience: toOrigin(required(options, 'origin')),
      clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
      ...(options.jwks ? { jwks: options.jwks } : {}),
    },
    redeemPath,
    stopPath,
    ticketDelivery,
    afterRedeem: toTarget(options.afterRedeem),
    afterStop: toTarget(options.afterStop),
    getUser: options.getUser,
    getUserById: options.getUserById,
    cookieName: options.cookieName || 'gh_imp',
    recheck: createRecheckCache(recheckSeconds * 1000, (token) => introspectToken(token, credentials)),
    emit(event, ctx) {
      try {
        onEvent?.(event, ctx);
      } catch (err) {
        ctx.app.emit('error', err, ctx);
      }
    },
  };
}
