/**
 * CSRF protection for every POST form of the site, the kit's stop button included: a random
 * token in a signed, httpOnly, SameSite=Lax cookie, echoed in a hidden `csrf` field (double
 * submit) and compared in constant time. The exemptions are the kit's redeem path, which the
 * support console posts to cross-site (the one-time ticket itself is the proof), and its
 * back-channel logout path, which Gatehouse's server posts to (the signed logout token is).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';

const COOKIE = 'app_csrf';

/** Tokens minted during this request, so every form of one page carries the same one. */
const minted = new WeakMap<Context, string>();

/** The browser's token, created (and set as a cookie) on first use. */
export function csrfToken(ctx: Context): string {
  let token = minted.get(ctx) ?? ctx.cookies.get(COOKIE, { signed: true });
  if (!token) {
    token = randomBytes(32).toString('base64url');
    minted.set(ctx, token);
    ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', overwrite: true });
  }
  return token;
}

/** A new token after sign-in, so a token planted before login is worth nothing after. */
export function rotateCsrfToken(ctx: Context): void {
  ctx.cookies.set(COOKIE, null, { signed: true, path: '/', overwrite: true });
}

function valid(ctx: Context): boolean {
  const expected = ctx.cookies.get(COOKIE, { signed: true });
  const submitted = (ctx.request as { body?: Record<string, unknown> }).body?.['csrf'];
  if (!expected || typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses a state-changing request without the right token. Runs after the body parser. */
export function checkCsrf(options: { exempt: string[]; refuse: (ctx: Context) => void }): Middleware {
  return async function csrfCheck(ctx, next) {
    const safe = ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS';
    if (safe || options.exempt.includes(ctx.path) || valid(ctx)) return next();
    options.refuse(ctx);
  };
}
