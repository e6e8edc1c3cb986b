/** The /account session: which user is signed in, and how (RFC 8176 amr). */
import type { Context } from 'koa';
import { issuedBeforeLastDisable } from '../accounts/index.js';
import type { User } from '../accounts/types.js';
import { field } from '../http/body.js';
import { cookieSessions } from '../http/cookie-session.js';
import { csrfValid } from '../http/csrf.js';
import type { Services } from '../services.js';
import { keys } from '../store/keys.js';

export const ACCOUNT_COOKIE = 'gh_account';
export const ACCOUNT_SESSION_TTL = 3600;

export interface AccountSession {
  userId: string;
  amr: string[];
  /** Milliseconds since the epoch. */
  signedInAt: number;
  /** Milliseconds since the epoch: the last user-verified passkey assertion in this session. */
  passkeyAt?: number;
}

export function accountSessions(services: Services) {
  const sessions = cookieSessions<AccountSession>(services.store, { cookie: ACCOUNT_COOKIE, key: keys.accountSession, ttl: ACCOUNT_SESSION_TTL });

  /**
   * The signed-in user, or null. A session the user's disabling ended (PROTOCOL §10.2) is
   * deleted here, so enabling the user again does not revive it.
   */
  async function current(ctx: Context): Promise<{ session: AccountSession; user: User } | null> {
    const session = await sessions.load(ctx);
    const user = session ? await services.accounts.users.findById(session.userId) : null;
    if (session && user && !user.disabled && !issuedBeforeLastDisable(user, session.signedInAt)) return { session, user };
    if (session && user && issuedBeforeLastDisable(user, session.signedInAt)) await sessions.end(ctx);
    return null;
  }

  /**
   * For a form post: the signed-in user once the form's CSRF token is valid; otherwise
   * answers (to the sign-in page, or 403) and gives null.
   */
  async function formUser(ctx: Context): Promise<User | null> {
    const signedIn = await current(ctx);
    if (!signedIn) {
      ctx.status = 303;
      ctx.redirect('/account');
      return null;
    }
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) ctx.throw(403, 'Your session expired. Reload the page and try again.');
    return signedIn.user;
  }

  return { ...sessions, current, formUser };
}
