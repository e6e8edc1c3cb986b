/**
 * The demo tenant app's options: one process, several tenant sites told apart by Host. Checked
 * once in {@link resolveOptions}, so a mistake shows at boot rather than on the first request.
 */
import { createHmac } from 'node:crypto';
import { pino } from 'pino';

/** One tenant site: a tenant client at Gatehouse and one of the tenant's origins (domains). */
export interface TenantSiteOptions {
  /** The tenant id at Gatehouse (`acme`). */
  id: string;
  /** Shown in the page header (`Acme Corp`). */
  name: string;
  /** This site's origin, one of the tenant's `domains` at Gatehouse (`http://acme.localhost:4000`). */
  origin: string;
  /** The tenant client (role `tenant`) used for login, redemption, introspection and revocation. */
  clientId: string;
  clientSecret: string;
  /** The tenant's `redeemPath` at Gatehouse (default `/impersonate`). */
  redeemPath?: string;
  /** The tenant's `ticketDelivery` at Gatehouse (default `form_post`). */
  ticketDelivery?: 'form_post' | 'query';
  /** Accent colour (CSS hex); defaults from a small table by tenant id. */
  accent?: string;
}

/** Anything with pino's `(object, message)` methods; pino's own logger fits. */
export interface TenantAppLogger {
  /** Every request the app serves (paths only), when the logger has the level. */
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TenantAppOptions {
  /** Gatehouse's issuer URL (`http://localhost:3000`). */
  issuer: string;
  /** Listen port (0 picks a free one). */
  port: number;
  /** Listen address; default: all interfaces, as Node's `listen()`. */
  host?: string;
  tenants: TenantSiteOptions[];
  /** Where "Stop" sends the admin back to: the support console (`${issuer}/admin`). */
  consoleUrl: string;
  /** Signs the session, CSRF and impersonation cookies; the first signs. A dev key by default (refused in production). */
  cookieKeys?: string[];
  /** Trust `X-Forwarded-*` (behind TLS offload), so cookies become `Secure`. */
  proxy?: boolean;
  /** Re-check interval of the RP kit (`recheckSeconds`, default 30); back-channel logout usually ends sessions first. */
  recheckSeconds?: number;
  logger?: TenantAppLogger;
}

/** A site with everything filled in. */
export interface TenantSite extends Required<Omit<TenantSiteOptions, 'accent'>> {
  accent: string;
  /** `host[:port]` as the browser sends it in `Host`. */
  host: string;
  /** Cookie keys for this site only: a cookie one tenant signed never verifies at another. */
  keys: string[];
}

export interface ResolvedOptions {
  issuer: string;
  consoleUrl: string;
  proxy: boolean;
  recheckSeconds: number | undefined;
  logger: TenantAppLogger;
  sites: TenantSite[];
}

/** Where the banner's Stop button posts (the kit's `stopPath`). */
export const STOP_PATH = '/impersonate/stop';
/**
 * Where Gatehouse posts logout tokens (the kit's `backchannelLogoutPath`): the tenant client's
 * `backchannelLogoutUri` in Gatehouse's config is `<origin>` + this.
 */
export const BACKCHANNEL_LOGOUT_PATH = '/impersonate/backchannel-logout';

const DEV_COOKIE_KEY = 'dev-tenant-app-cookie-key-change-me';

/** The "small per-tenant table" of colours; unknown tenants get one picked from the id. */
const ACCENTS: Record<string, string> = { acme: '#c2410c', globex: '#1d4ed8' };
const PALETTE = ['#047857', '#7c3aed', '#be185d', '#0369a1', '#a16207'];

function accentFor(id: string, given: string | undefined): string {
  if (given !== undefined) {
    if (!/^#[0-9a-fA-F]{3,8}$/.test(given)) throw new TypeError(`tenant app: "accent" of ${id} must be a hex colour`);
    return given;
  }
  const sum = [...id].reduce((n, c) => n + c.charCodeAt(0), 0);
  return ACCENTS[id] ?? PALETTE[sum % PALETTE.length]!;
}

function bareOrigin(origin: string): URL {
  const url = new URL(origin);
  if (url.origin !== origin.replace(/\/$/, '')) throw new TypeError(`tenant app: "${origin}" is not a bare origin`);
  return url;
}

export function resolveOptions(options: TenantAppOptions): ResolvedOptions {
  // Kept exactly as given (only checked to be a URL): the kit and openid-client compare it with discovery's `issuer`.
  const { issuer } = options;
  if (!URL.canParse(issuer)) throw new TypeError(`tenant app: "issuer" is not a URL: ${issuer}`);
  const keys = options.cookieKeys?.length ? options.cookieKeys : [DEV_COOKIE_KEY];
  if (process.env.NODE_ENV === 'production' && keys.includes(DEV_COOKIE_KEY)) {
    throw new TypeError('tenant app: set cookieKeys; the dev cookie key is refused in production');
  }
  if (!options.tenants.length) throw new TypeError('tenant app: no tenants to serve');
  const hosts = new Set<string>();
  const sites = options.tenants.map((t): TenantSite => {
    const url = bareOrigin(t.origin);
    if (hosts.has(url.host)) throw new TypeError(`tenant app: two tenants on ${url.host}`);
    hosts.add(url.host);
    return {
      id: t.id,
      name: t.name,
      origin: url.origin,
      clientId: t.clientId,
      clientSecret: t.clientSecret,
      redeemPath: t.redeemPath ?? '/impersonate',
      ticketDelivery: t.ticketDelivery ?? 'form_post',
      accent: accentFor(t.id, t.accent),
      host: url.host,
      // Per-site keys: one shared secret in the options, but acme's signature never passes at globex.
      keys: keys.map((k) => createHmac('sha256', k).update(`tenant-app:${url.origin}`).digest('base64url')),
    };
  });
  return {
    issuer,
    consoleUrl: options.consoleUrl,
    proxy: options.proxy ?? false,
    recheckSeconds: options.recheckSeconds,
    logger: options.logger ?? pino({ name: 'tenant-app' }),
    sites,
  };
}

/** `TENANT_APP_RECHECK_SECONDS` (the kit's recheckSeconds), when set; a malformed value is an error at start. */
export function recheckFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env['TENANT_APP_RECHECK_SECONDS'];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,6}$/.test(raw)) throw new TypeError(`tenant app: TENANT_APP_RECHECK_SECONDS must be a number of seconds, got ${raw}`);
  return Number(raw);
}
