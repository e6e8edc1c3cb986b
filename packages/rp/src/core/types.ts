import type { JWTVerifyGetKey } from 'jose';
import type { GatehouseRpError } from '../errors.js';

export type Awaitable<T> = T | Promise<T>;

/**
 * Options every adapter (Koa, Express, fetch) shares. Only `issuer`, `clientId`,
 * `clientSecret` and `origin` are required. `Ctx` is what the framework calls a request:
 * Koa's `ctx`, Express's `req`, a web `Request`.
 */
export interface GatehouseRpBaseOptions<User extends object, Ctx> {
  /** Gatehouse's issuer URL, exactly as in its discovery document. */
  issuer: string;
  /** This app's tenant client id at Gatehouse. */
  clientId: string;
  /** This app's tenant client secret (`client_secret_basic`, RFC 6749 §2.3.1). */
  clientSecret: string;
  /** This app's own origin (`https://app.acme.com`): the `aud` the impersonation token must carry. */
  origin: string;
  /** Where the support console delivers tickets (default `/impersonate`; the tenant's `redeemPath`). */
  redeemPath?: string;
  /** POST here to stop impersonating (default `/impersonate/stop`). */
  stopPath?: string;
  /**
   * `form_post` (default): tickets only arrive in a POST body, never in a URL. `query`: GET
   * `redeemPath?ticket=…` (or `?token=…`) is accepted too; must match the tenant's Gatehouse setting.
   */
  ticketDelivery?: 'form_post' | 'query';
  /** Ask introspection whether the session still lives at most this often per session, in seconds (default 30). */
  recheckSeconds?: number;
  /** Where to send the browser after a redeemed ticket (default `/`). */
  afterRedeem?: string | ((ctx: Ctx) => string);
  /** Where to send the browser after stopping (default `/`). */
  afterStop?: string | ((ctx: Ctx) => string);
  /** The app's normal signed-in user, used when nobody is impersonating. */
  getUser?: (ctx: Ctx) => Awaitable<User | null | undefined>;
  /**
   * Loads the impersonated user's profile by id (`sub`); merged into `currentUser`. Gets the
   * impersonation too, e.g. to call Gatehouse's `/me` with its `accessToken`.
   */
  getUserById?: (sub: string, ctx: Ctx, impersonation: ImpersonationState) => Awaitable<Partial<User> | null | undefined>;
  /** Name of the signed cookie that holds the impersonation token (default `gh_imp`). */
  cookieName?: string;
  /** Observe what happens (log it, audit it). What it throws never breaks the request. */
  onEvent?: (event: GatehouseRpEvent, ctx: Ctx) => void;
  /**
   * Renders the kit's own pages (a refused support link, a wrong method) as a whole HTML
   * document, so they look like the rest of the app. Escape what you interpolate. Default: a
   * plain page with no script and no style.
   */
  renderPage?: (page: RpPage, ctx: Ctx) => string;
  /** Key resolver for verification; defaults to the issuer's JWKS (see {@link verifyImpersonationToken}). */
  jwks?: JWTVerifyGetKey;
  /** Leeway for `exp`, `iat` and `nbf` in seconds (default 5). */
  clockToleranceSeconds?: number;
  /**
   * Where Gatehouse posts back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0;
   * default `/impersonate/backchannel-logout`). Register `<origin><path>` as your tenant client's
   * `backchannelLogoutUri` at Gatehouse; the route must not need a cookie or a CSRF token.
   */
  backchannelLogoutPath?: string;
  /**
   * Shares ended sessions between the processes of an app (e.g. in Redis): a logout token reaches
   * one process, and every process must drop the session. Default: this process only (the others
   * notice at their next `recheckSeconds`).
   */
  endedSessions?: EndedSessionStore;
  /**
   * Report each request served during an impersonation to Gatehouse, so the user sees what support
   * did (default `true`). A function decides per request (e.g. `false` for health checks).
   */
  recordActivity?: boolean | ((ctx: Ctx) => boolean);
  /** Activity waits at most this long before it is sent, in seconds (default 2; a full batch goes at once). */
  activityFlushSeconds?: number;
}

/** Where ended impersonation sessions are remembered, for apps that run several processes. */
export interface EndedSessionStore {
  /** Remember `sid` as ended until `untilMs` (ms since the epoch). */
  add(sid: string, untilMs: number): Awaitable<void>;
  /** Whether `sid` was ended. Asked on every request of an impersonation. */
  has(sid: string): Awaitable<boolean>;
}

/** A page the kit answers with itself (PROTOCOL.md §8): what went wrong, in words for a person. */
export interface RpPage {
  /** HTTP status: 400, 405, 413, 415 or 502. */
  status: number;
  /** A short heading, e.g. "Support link not accepted". */
  title: string;
  /** Plain-text sentences for the person at the keyboard (not HTML). */
  paragraphs: string[];
  /** A machine-readable reason for support staff (an RFC 6749 `error` or an error code), when there is one. */
  code?: string;
}

/** The impersonation in progress. */
export interface ImpersonationState {
  /** Gatehouse's impersonation session id. */
  sid: string;
  /** The reason the admin gave (a ticket number, why). Show it in the banner. */
  reason: string;
  /** The admin's id (`act.sub`). */
  actor: string;
  /**
   * How Gatehouse lets this tenant name the admin (`impersonation.actor_display`): a display
   * name, an email or a team label, per Gatehouse's `actorDisplay` setting. Show it in the banner.
   * Empty when Gatehouse sent none (then show a generic "Support").
   */
  actorDisplay: string;
  /**
   * Under Gatehouse's two-person rule (a sensitive user, or a tenant with `requireSecondAdmin`):
   * the id of the second admin who approved this impersonation (`impersonation.approved_by`).
   */
  approvedBy?: string;
  /** The impersonated user's id (`sub`). */
  sub: string;
  /** Granted scopes, space-separated. */
  scope: string;
  /** When the token, and so the impersonation, expires. */
  expiresAt: Date;
  /** The impersonation access token, for calling APIs as the user (Bearer). */
  accessToken: string;
}

/** `currentUser` while impersonating: the user's profile (from `getUserById`) and the marker. */
export type ImpersonatedUser<User extends object> = Partial<User> & { sub: string; impersonated: true };

/** `trueUser` while impersonating: the support admin behind the session. */
export interface ImpersonatingAdmin {
  sub: string;
  isAdmin: true;
}

/** What the kit tells the app on every request it does not answer itself. */
export interface GatehouseRpState<User extends object = Record<string, unknown>> {
  /** Who the app should act as: the impersonated user, else `getUser(ctx)`, else null. */
  currentUser: ImpersonatedUser<User> | User | null;
  /** Who is really at the keyboard: the admin while impersonating, else the same as `currentUser`. */
  trueUser: ImpersonatingAdmin | User | null;
  /** The impersonation in progress, or null. */
  impersonation: ImpersonationState | null;
}

/**
 * Passed to `onEvent`. Payloads never include the access token.
 * - `redeemed`: a ticket was exchanged; the impersonation starts.
 * - `stopped`: the stop route (or a new redemption replacing an old one) ended it; `revoked` says
 *   whether Gatehouse confirmed the revocation.
 * - `ended`: the kit ended it because the token no longer verifies or introspection said
 *   inactive or could not be asked; `error.code` says which.
 * - `rejected`: a ticket could not be redeemed.
 * - `logged_out`: Gatehouse's back-channel logout token ended a session (`sid`, `sub`); the browser
 *   holding it loses it at its next request.
 * - `logout_rejected`: a back-channel logout token was refused (bad signature, wrong `aud`, replayed…).
 * - `activity_not_recorded`: `count` activity entries of a session were refused by Gatehouse or lost.
 */
export type GatehouseRpEvent =
  | { type: 'redeemed'; sid: string; sub: string; actor: string; reason: string; expiresAt: Date }
  | { type: 'stopped'; sid?: string; revoked: boolean; error?: GatehouseRpError }
  | { type: 'ended'; sid?: string; error: GatehouseRpError }
  | { type: 'rejected'; error: GatehouseRpError }
  | { type: 'logged_out'; sid?: string; sub?: string }
  | { type: 'logout_rejected'; error: GatehouseRpError }
  | { type: 'activity_not_recorded'; sid: string; count: number; error: GatehouseRpError };
