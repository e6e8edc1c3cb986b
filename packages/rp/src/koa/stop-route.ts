import { decodeJwt } from 'jose';
import type { Context } from 'koa';
import { GatehouseRpError } from '../errors.js';
import { revokeToken } from '../token/revoke-token.js';
import { sendPage } from './html-page.js';
import { clearImpersonationCookie, readImpersonationCookie } from './impersonation-cookie.js';
import type { RpConfig } from './resolve-config.js';

/** sid and exp of a token this app stored itself (the cookie is signed), for bookkeeping only. */
function sessionOf(token: string): { sid?: string; exp: number } {
  try {
    const { impersonation, exp } = decodeJwt(token) as { impersonation?: { sid?: unknown }; exp?: number };
    const sid = typeof impersonation?.sid === 'string' ? impersonation.sid : undefined;
    return { ...(sid ? { sid } : {}), exp: exp ?? 0 };
  } catch {
    return { exp: 0 };
  }
}

/**
 * Ends the impersonation the cookie holds, if any: RFC 7009 revocation at Gatehouse (which ends
 * the session there and in the console), then the cookie. A failed revocation still ends it
 * here: the browser loses the token either way, and `stopped` reports `revoked: false`.
 */
export async function endStoredImpersonation<User extends object>(ctx: Context, config: RpConfig<User>): Promise<void> {
  const token = readImpersonationCookie(ctx, config.cookieName);
  if (!token) return;
  const { sid, exp } = sessionOf(token);
  let error: GatehouseRpError | undefined;
  try {
    await revokeToken(token, config.credentials);
  } catch (err) {
    if (!(err instanceof GatehouseRpError)) throw err;
    error = err;
  }
  clearImpersonationCookie(ctx, config.cookieName);
  if (sid) config.recheck.markEnded(sid, exp);
  config.emit({ type: 'stopped', ...(sid ? { sid } : {}), revoked: !error, ...(error ? { error } : {}) }, ctx);
}

/** POST `stopPath`: stop impersonating, then 303 to `afterStop`. A POST, so a link or an image cannot stop it. */
export async function stopRoute<User extends object>(ctx: Context, config: RpConfig<User>): Promise<void> {
  if (ctx.method !== 'POST') {
    ctx.set('Allow', 'POST');
    return sendPage(ctx, 405, 'Method not allowed', ['Stop impersonating with the button in the banner.']);
  }
  await endStoredImpersonation(ctx, config);
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(config.afterStop(ctx));
  ctx.status = 303; // RFC 9110 §15.4.4: the browser follows with a GET
}
