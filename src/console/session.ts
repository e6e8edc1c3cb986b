/**
 * The console's session: which admin is signed in, with the access token Gatehouse gave
 * the console for them (the actor token of an impersonation, PROTOCOL §3) and how they
 * authenticated. Before sign-in it holds only the pending authorization request.
 */
import type { Context } from 'koa';
import type { Admin } from '../accounts/types.js';
import { cookieSessions } from '../http/cookie-session.js';
import type { Services } from '../services.js';
import { keys } from '../store/keys.js';
import type { PendingImpersonation } from './impersonate.js';

export const CONSOLE_COOKIE = 'gh_console';
/** A working day; the access token inside expires much sooner (policy.accessTokenTtl). */
export const CONSOLE_SESSION_TTL = 8 * 3600;

/** An authorization request in flight (RFC 9700 §2.1: state, PKCE, nonce kept server-side). */
export interface PendingAuthorization {
  state: string;
  nonce: string;
  codeVerifier: string;
  purpose: 'signin' | 'stepup';
}

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
  /** An impersonation request waiting for its step-up and mint (impersonate.ts). */
  impersonation?: PendingImpersonation;
}

export function consoleSessions(services: Services) {
  const sessions = cookieSessions<ConsoleSession>(services.store, {
    cookie: CONSOLE_COOKIE,
    key: keys.consoleSession,
    ttl: CONSOLE_SESSION_TTL,
  });

  /** The signed-in admin and their session, or null (also when the admin was disabled since). */
  async function current(ctx: Context): Promise<{ session: ConsoleSession; admin: Admin } | null> {
    const session = await sessions.load(ctx);
    if (!session?.adminId) return null;
    const admin = await services.accounts.admins.findById(session.adminId);
    return admin && !admin.disabled ? { session, admin } : null;
  }

  return { ...sessions, current };
}
