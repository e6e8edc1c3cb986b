import { GatehouseRpError } from '../errors.js';
import { verifyImpersonationToken } from '../jwt/verify-impersonation-token.js';
import type { ImpersonationClaims } from '../types.js';
import type { RpConfig } from './config.js';
import type { CookieChange } from './exchange.js';
import type { GatehouseRpState, ImpersonatedUser, ImpersonationState } from './types.js';

/** The `impersonation` view of verified claims. */
export function toImpersonationState(claims: ImpersonationClaims, accessToken: string): ImpersonationState {
  return {
    sid: claims.impersonation.sid,
    reason: claims.impersonation.reason,
    actor: claims.act.sub,
    actorDisplay: claims.impersonation.actor_display ?? '',
    ...(claims.impersonation.approved_by ? { approvedBy: claims.impersonation.approved_by } : {}),
    sub: claims.sub,
    scope: claims.scope,
    expiresAt: new Date(claims.exp * 1000),
    accessToken,
  };
}

/**
 * The impersonation the browser's cookie holds, if it still stands: the token verifies
 * (RFC 9068 §4) and introspection, asked at most every `recheckSeconds`, has not said it ended.
 * Anything else ends it here: the cookie is to be cleared and `ended` is emitted.
 */
async function currentImpersonation<User extends object, Ctx>(
  token: string | undefined,
  ctx: Ctx,
  config: RpConfig<User, Ctx>,
): Promise<{ impersonation: ImpersonationState | null; cookie?: CookieChange }> {
  if (!token) return { impersonation: null };
  const end = (error: GatehouseRpError, sid?: string) => {
    // What is still queued would be refused: the session is over at Gatehouse too.
    if (sid) config.activity.discard(sid);
    config.emit(sid ? { type: 'ended', sid, error } : { type: 'ended', error }, ctx);
    return { impersonation: null, cookie: { clear: true } as const };
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
  // A back-channel logout another process of this app received (when the app shares them).
  if (await config.endedSessions?.has(sid)) {
    config.recheck.markEnded(sid, claims.exp);
    return end(new GatehouseRpError('session_ended', 'Gatehouse ended the impersonation session (back-channel logout)'), sid);
  }
  const ended = await config.recheck.check(sid, claims.exp, token);
  return ended ? end(ended, sid) : { impersonation: toImpersonationState(claims, token) };
}

/** `currentUser`, `trueUser` and `impersonation` for a request ({@link GatehouseRpState}). */
export async function readState<User extends object, Ctx>(
  token: string | undefined,
  ctx: Ctx,
  config: RpConfig<User, Ctx>,
): Promise<{ state: GatehouseRpState<User>; cookie?: CookieChange }> {
  const { impersonation, cookie } = await currentImpersonation(token, ctx, config);
  if (impersonation) {
    config.beforeProfile?.(impersonation, ctx);
    const profile: Partial<User> = (await config.getUserById?.(impersonation.sub, ctx, impersonation)) ?? {};
    // The marker comes last: a profile can never make an impersonated user look genuine.
    const currentUser: ImpersonatedUser<User> = { ...profile, sub: impersonation.sub, impersonated: true };
    return { state: { currentUser, trueUser: { sub: impersonation.actor, isAdmin: true }, impersonation } };
  }
  const user = (await config.getUser?.(ctx)) ?? null;
  return { state: { currentUser: user, trueUser: user, impersonation: null }, ...(cookie ? { cookie } : {}) };
}
