/**
 * The console's session: which admin is signed in, with the access token Gatehouse gave
 * the console for them (the actor token of an impersonation, PROTOCOL §3) and how they
 * authenticated. Before sign-in it holds only the pending authorization request.
 */
import type { Context } from 'koa';
import { issuedBeforeLastDisable } from '../accounts/index.js';
import type { Admin } from '../accounts/types.js';
import { cookieSessions } from '../http/cookie-session.js';
import type { Services } from '../services.js';
import { keys } from '../store/keys.js';
import { mayManageTenants } from '../tenancy/index.js';
import type { PendingImpersonation } from './impersonate.js';
import type { PendingAction } from './pending-action.js';

export const CONSOLE_COOKIE = 'gh_console';
/** A working day; the access token inside expires much sooner (policy.accessTokenTtl). */
export const CONSOLE_SESSION_TTL = 8 * 3600;

/** An authorization request in flight (RFC 9700 §2.1: state, PKCE, nonce kept server-side). */
export interface PendingAuthorization {
  state: string;
  nonce: string;
  codeVerifier: string;
  purpose: 'signin' | 'stepup';
  /** Where a step-up comes back to (a console page, see `consoleReturnPath`). */
  returnTo?: string;
}

/** Console pages a step-up may come back to: the ones whose changes need a fresh step-up. */
const RETURN_PATH = /^\/admin\/((passkeys|admins|users)(\?tenant=[a-z0-9-]{1,63})?|access-requests\/ar_[A-Za-z0-9_-]{16,32}|dev-token)$/;

/** The `return` of a step-up request when it is one of ours (no open redirect), else undefined. */
export const consoleReturnPath = (value: unknown) => (typeof value === 'string' && RETURN_PATH.test(value) ? value : undefined);

export interface ConsoleSession {
  pending?: PendingAuthorization;
  adminId?: string;
  /** Opaque access token of the support-console client for this admin. */
  accessToken?: string;
  acr?: string;
  amr?: string[];
  /** Seconds since the epoch (OIDC auth_time). */
  authTime?: number;
  /** Milliseconds since the epoch: when the access token expires. */
  expiresAt?: number;
  /** An impersonation request waiting for its mint (impersonate.ts). */
  impersonation?: PendingImpersonation;
  /** A posted console form waiting for the admin's step-up (pending-action.ts). */
  action?: PendingAction;
  /** Milliseconds since the epoch: when this sign-in started (disabling the admin ends older ones). */
  startedAt?: number;
}

/**
 * Whether the console session's authentication is fresh enough to mint (PROTOCOL §4:
 * acr phr, auth_time within stepUpMaxAge), with a margin so the mint does not fail on the way.
 */
export function isSteppedUp(session: ConsoleSession, stepUpMaxAge: number, now = Date.now()): boolean {
  const margin = Math.min(15, stepUpMaxAge / 4);
  return (
    session.acr === 'phr' &&
    typeof session.authTime === 'number' &&
    now / 1000 - session.authTime < stepUpMaxAge - margin &&
    (session.expiresAt ?? 0) > now + margin * 1000
  );
}

export function consoleSessions(services: Services) {
  const sessions = cookieSessions<ConsoleSession>(services.store, {
    cookie: CONSOLE_COOKIE,
    key: keys.consoleSession,
    ttl: CONSOLE_SESSION_TTL,
  });

  /**
   * The signed-in admin and their session, or null. A session the admin's disabling ended
   * (PROTOCOL §10.2) is deleted here, so enabling the admin again does not revive it.
   */
  async function current(ctx: Context): Promise<{ session: ConsoleSession; admin: Admin } | null> {
    const session = await sessions.load(ctx);
    if (!session?.adminId) return null;
    const admin = await services.accounts.admins.findById(session.adminId);
    if (admin && !admin.disabled && !issuedBeforeLastDisable(admin, session.startedAt)) {
      // The navigation links to the tenant pages only for an admin who may use them (page.ts).
      ctx.state.consoleManagesTenants = mayManageTenants(admin.roles, services.tenancy.view().roles);
      return { session, admin };
    }
    if (admin && issuedBeforeLastDisable(admin, session.startedAt)) await sessions.end(ctx);
    return null;
  }

  return { ...sessions, current };
}
