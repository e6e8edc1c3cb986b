import type { Context } from 'koa';
import { GatehouseRpError } from '../errors.js';
import { verifyImpersonationToken } from '../jwt/verify-impersonation-token.js';
import type { ImpersonationClaims } from '../types.js';
import { clearImpersonationCookie, readImpersonationCookie } from './impersonation-cookie.js';
import type { RpConfig } from './resolve-config.js';
import type { GatehouseRpState, ImpersonatedUser, ImpersonationState } from './types.js';

/** The `ctx.state.impersonation` view of verified claims. */
function toImpersonationState(claims: ImpersonationClaims, accessToken: string): ImpersonationState {
  return {
    sid: claims.impersonation.sid,
    reason: claims.impersonation.reason,
    actor: claims.act.sub,
    sub: claims.sub,
    scope: claims.scope,
    expiresAt: new Date(claims.exp * 1000),
    accessToken,
  };
}

/**
 * The impersonation the browser's cookie holds, if it still stands: the token verifies
 * (RFC 9068 §4) and introspection, asked at most every `recheckSeconds`, has not said it ended.
 * Anything else ends it here: the cookie is cleared and `ended` is emitted.
 */
async function currentImpersonation<User extends object>(
  ctx: Context,
  config: RpConfig<User>,
): Promise<ImpersonationState | null> {
  const token = readImpersonationCookie(ctx, config.cookieName);
  if (!token) return null;
  const end = (error: GatehouseRpError, sid?: string) => {
    clearImpersonationCookie(ctx, config.cookieName);
    config.emit(sid ? { type: 'ended', sid, error } : { type: 'ended', error }, ctx);
    return null;
  };
  let claims: ImpersonationClaims;
  try {
    claims = await verifyImpersonationToken(token, config.verify);
  } catch (err) {
    // Expired, or keys unreachable: fail closed, as for introspection (see recheck-cache.ts).
    if (err instanceof GatehouseRpError) return end(err);
    throw err;
  }
  const { sid } = claims.impersonation;
  const ended = await config.recheck.check(sid, claims.exp, token);
  return ended ? end(ended, sid) : toImpersonationState(claims, token);
}

/** Sets `ctx.state.currentUser`, `trueUser` and `impersonation` ({@link GatehouseRpState}). */
export async function exposeUsers<User extends object>(ctx: Context, config: RpConfig<User>): Promise<void> {
  const state = ctx.state as GatehouseRpState<User>;
  const impersonation = await currentImpersonation(ctx, config);
  state.impersonation = impersonation;
  if (impersonation) {
    const profile: Partial<User> = (await config.getUserById?.(impersonation.sub, ctx)) ?? {};
    // The marker comes last: a profile can never make an impersonated user look genuine.
    const currentUser: ImpersonatedUser<User> = { ...profile, sub: impersonation.sub, impersonated: true };
    state.currentUser = currentUser;
    state.trueUser = { sub: impersonation.actor, isAdmin: true };
    return;
  }
  const user = (await config.getUser?.(ctx)) ?? null;
  state.currentUser = user;
  state.trueUser = user;
}
