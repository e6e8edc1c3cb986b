/**
 * CSRF protection for our own forms: a random token kept in a signed, HttpOnly,
 * SameSite=Lax cookie and echoed in a hidden field (double submit), compared in
 * constant time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'gh_csrf';

export function csrfToken(ctx: Context): string {
  // One token per request even when a page asks twice before the cookie round-trips.
  let token: string | undefined = ctx.state.csrfToken ?? ctx.cookies.get(COOKIE, { signed: true });
  ctx.state.csrfToken = token;
  if (!token) {
    token = randomBytes(32).toString('base64url');
    ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, overwrite: true });
    ctx.state.csrfToken = token;
  }
  return token;
}

export function csrfValid(ctx: Context, submitted: unknown): boolean {
  const expected = ctx.cookies.get(COOKIE, { signed: true });
  if (!expected || typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
