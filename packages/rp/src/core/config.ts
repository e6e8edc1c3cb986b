import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../constants.js';
import { introspectToken } from '../token/introspect-token.js';
import type { ClientCredentials, VerifyImpersonationTokenOptions } from '../types.js';
import { createRecheckCache, type RecheckCache } from './recheck-cache.js';
import type { GatehouseRpBaseOptions, GatehouseRpEvent, ImpersonationState, RpPage } from './types.js';

/** {@link GatehouseRpBaseOptions} with defaults applied and checked once, at startup. */
export interface RpConfig<User extends object, Ctx> {
  credentials: ClientCredentials;
  verify: VerifyImpersonationTokenOptions;
  /** The app's origin is https: its cookie is `Secure`. */
  secureOrigin: boolean;
  redeemPath: string;
  stopPath: string;
  ticketDelivery: 'form_post' | 'query';
  afterRedeem: (ctx: Ctx) => string;
  afterStop: (ctx: Ctx) => string;
  getUser: GatehouseRpBaseOptions<User, Ctx>['getUser'];
  getUserById: GatehouseRpBaseOptions<User, Ctx>['getUserById'];
  renderPage: ((page: RpPage, ctx: Ctx) => string) | undefined;
  /** The adapter's chance to publish the impersonation before `getUserById` runs (Koa: `ctx.state`). */
  beforeProfile?: (impersonation: ImpersonationState, ctx: Ctx) => void;
  cookieName: string;
  recheck: RecheckCache;
  emit: (event: GatehouseRpEvent, ctx: Ctx) => void;
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

const toTarget = <Ctx>(target: string | ((ctx: Ctx) => string) | undefined) =>
  typeof target === 'function' ? target : () => target ?? '/';

/**
 * Validates options (throwing TypeError on a mistake, so it shows at boot) and fills defaults.
 * `reportError` receives what `onEvent` throws: the request goes on regardless.
 */
export function resolveConfig<User extends object, Ctx>(
  options: GatehouseRpBaseOptions<User, Ctx>,
  reportError: (err: unknown, ctx: Ctx) => void,
): RpConfig<User, Ctx> {
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
  if (options.renderPage !== undefined && typeof options.renderPage !== 'function') {
    throw new TypeError('gatehouseRp: "renderPage" must be a function');
  }
  const origin = toOrigin(required(options, 'origin'));
  const { onEvent } = options;
  return {
    credentials,
    verify: {
      issuer: credentials.issuer,
      audience: origin,
      clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
      ...(options.jwks ? { jwks: options.jwks } : {}),
    },
    secureOrigin: origin.startsWith('https:'),
    redeemPath,
    stopPath,
    ticketDelivery,
    afterRedeem: toTarget(options.afterRedeem),
    afterStop: toTarget(options.afterStop),
    getUser: options.getUser,
    getUserById: options.getUserById,
    renderPage: options.renderPage,
    cookieName: options.cookieName || 'gh_imp',
    recheck: createRecheckCache(recheckSeconds * 1000, (token) => introspectToken(token, credentials)),
    emit(event, ctx) {
      try {
        onEvent?.(event, ctx);
      } catch (err) {
        reportError(err, ctx);
      }
    },
  };
}
