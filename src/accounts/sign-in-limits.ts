/**
 * Password sign-in under the login limits (PROTOCOL §10.3), shared by every password form
 * (the interaction's login, which the console and tenant apps use, and /account): one
 * budget per account and one per client IP, each spent *before* the argon2 verification
 * and given back when the password was right. N concurrent wrong guesses against one
 * account so verify at most the account limit's worth of passwords, on any number of
 * instances (the points live in the shared store).
 *
 * Only passwords spend these budgets: passkey sign-in never looks at them, so a stranger
 * guessing the owner's password cannot lock the owner out of signing in with a passkey.
 */
import type { Limiter } from '../store/rate-limit.js';

export interface SignInLimiters {
  loginPerAccount: Limiter;
  loginPerIp: Limiter;
}

export type LimitedSignIn<T> = { outcome: 'signed_in'; account: T } | { outcome: 'refused' } | { outcome: 'limited'; retryAfter: number };

/**
 * The key of one account's budget: which directory (`admin`, or `user` and a tenant) and
 * the normalised email, whether or not such an account exists (a miss costs the same).
 */
export function signInAccountKey(kind: 'admin' | 'user', tenant: string | undefined, email: string): string {
  return `${kind}:${tenant ?? ''}:${email}`;
}

/**
 * Runs `verify` (the password check) only when both budgets allow one more attempt.
 * @example
 * const result = await limitedSignIn(limiters, { ip: ctx.ip, accountKey }, () => accounts.admins.authenticate(email, password));
 */
export async function limitedSignIn<T>(
  limiters: SignInLimiters,
  attempt: { ip: string; accountKey: string },
  verify: () => Promise<T | null>,
): Promise<LimitedSignIn<T>> {
  const [byIp, byAccount] = await Promise.all([limiters.loginPerIp.consume(attempt.ip), limiters.loginPerAccount.consume(attempt.accountKey)]);
  if (!byIp.allowed || !byAccount.allowed) return { outcome: 'limited', retryAfter: Math.max(byIp.retryAfter, byAccount.retryAfter) };
  const account = await verify();
  if (!account) return { outcome: 'refused' };
  await Promise.all([limiters.loginPerIp.refund(attempt.ip), limiters.loginPerAccount.refund(attempt.accountKey)]);
  return { outcome: 'signed_in', account };
}
