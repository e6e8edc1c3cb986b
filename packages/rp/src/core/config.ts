import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../constants.js';
import { introspectToken } from '../token/introspect-token.js';
import type { ClientCredentials, VerifyImpersonationTokenOptions } from '../types.js';
import { type ActivityRecorder, createActivityRecorder } from './activity.js';
import { createJtiMemory, type JtiMemory } from './backchannel-logout.js';
import { createRecheckCache, type RecheckCache } from './recheck-cache.js';
import type { EndedSessionStore, GatehouseRpBaseOptions, GatehouseRpEvent, ImpersonationState, RpPage } from './types.js';

/** {@link GatehouseRpBaseOptions} with defaults applied and checked once, at startup. */
export interface RpConfig<User extends object, Ctx> {
  credentials: ClientCredentials;
  verify: VerifyImpersonationTokenOptions;
  /** The app's origin is https: its cookie is `Secure`. */
  secureOrigin: boolean;
  redeemPath: string;
  stopPath: string;
  backchannelLogoutPath: string;
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
  /** Ended sessions shared between processes, when the app gave a store. */
  endedSessions: EndedSessionStore | undefined;
  logoutJtis: JtiMemory;
  activity: ActivityRecorder<Ctx>;
  /** Whether this request's activity is reported (option `recordActivity`). */
  recordsActivity: (ctx: Ctx) => boolean;
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
  const backchannelLogoutPath = path(options.backchannelLogoutPath, '/impersonate/backchannel-logout', 'backchannelLogoutPath');
  if (new Set([redeemPath, stopPath, backchannelLogoutPath]).size !== 3) {
    throw new TypeError('gatehouseRp: redeemPath, stopPath and backchannelLogoutPath must differ');
  }
  const ticketDelivery = options.ticketDelivery ?? 'form_post';
  if (ticketDelivery !== 'form_post' && ticketDelivery !== 'query') {
    throw new TypeError('gatehouseRp: "ticketDelivery" must be "form_post" or "query"');
  }
  const recheckSeconds = options.recheckSeconds ?? 30;
  if (!Number.isFinite(recheckSeconds) || recheckSeconds < 0) {
    throw new TypeError('gatehouseRp: "recheckSeconds" must be a number >= 0');
  }
  const flushSeconds = options.activityFlushSeconds ?? 2;
  if (!Number.isFinite(flushSeconds) || flushSeconds < 0 || flushSeconds > 60) {
    throw new TypeError('gatehouseRp: "activityFlushSeconds" must be a number from 0 to 60');
  }
  const { recordActivity = true, endedSessions } = options;
  if (typeof recordActivity !== 'boolean' && typeof recordActivity !== 'function') {
    throw new TypeError('gatehouseRp: "recordActivity" must be a boolean or a function');
  }
  if (endedSessions !== undefined && (typeof endedSessions?.add !== 'function' || typeof endedSessions?.has !== 'function')) {
    throw new TypeError('gatehouseRp: "endedSessions" must have add(sid, untilMs) and has(sid)');
  }
  if (options.renderPage !== undefined && typeof options.renderPage !== 'function') {
    throw new TypeError('gatehouseRp: "renderPage" must be a function');
  }
  const origin = toOrigin(required(options, 'origin'));
  const { onEvent } = options;
  const emit = (event: GatehouseRpEvent, ctx: Ctx) => {
    try {
      onEvent?.(event, ctx);
    } catch (err) {
      reportError(err, ctx);
    }
  };
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
    backchannelLogoutPath,
    ticketDelivery,
    afterRedeem: toTarget(options.afterRedeem),
    afterStop: toTarget(options.afterStop),
    getUser: options.getUser,
    getUserById: options.getUserById,
    renderPage: options.renderPage,
    cookieName: options.cookieName || 'gh_imp',
    recheck: createRecheckCache(recheckSeconds * 1000, (token) => introspectToken(token, credentials)),
    endedSessions,
    logoutJtis: createJtiMemory(),
    activity: createActivityRecorder<Ctx>(credentials, flushSeconds * 1000, emit),
    recordsActivity: typeof recordActivity === 'function' ? recordActivity : () => recordActivity,
    emit,
  };
}
