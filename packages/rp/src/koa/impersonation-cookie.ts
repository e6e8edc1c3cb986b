import type { Context } from 'koa';

/**
 * The impersonation token lives in a cookie signed with `app.keys` (so only tokens this app
 * stored are ever read back), httpOnly (no script reads it), `SameSite=Lax` (sent on the
 * top-level navigation that follows the console's cross-site form post, never on cross-site
 * subrequests or POSTs) and Secure whenever the request is (set `app.proxy` behind TLS offload).
 */
function cookieOptions(ctx: Context) {
  return { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', overwrite: true } as const;
}

export function readImpersonationCookie(ctx: Context, name: string): string | undefined {
  return ctx.cookies.get(name, { signed: true }) || undefined;
}

export function setImpersonationCookie(ctx: Context, name: string, token: string, maxAgeMs: number): void {
  ctx.cookies.set(name, token, { ...cookieOptions(ctx), maxAge: maxAgeMs });
}

export function clearImpersonationCookie(ctx: Context, name: string): void {
  ctx.cookies.set(name, null, cookieOptions(ctx));
}
