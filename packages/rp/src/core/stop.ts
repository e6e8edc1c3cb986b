import { decodeJwt } from 'jose';
import { GatehouseRpError } from '../errors.js';
import { revokeToken } from '../token/revoke-token.js';
import type { RpConfig } from './config.js';

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
 * Ends the impersonation a cookie held: RFC 7009 revocation at Gatehouse (which ends the session
 * there and in the console). A failed revocation still ends it here: the browser loses the token
 * either way (the caller clears the cookie), and `stopped` reports `revoked: false`.
 */
export async function endStoredImpersonation<User extends object, Ctx>(
  token: string,
  ctx: Ctx,
  config: RpConfig<User, Ctx>,
): Promise<void> {
  const { sid, exp } = sessionOf(token);
  // Gatehouse accepts activity only while the session is on: what is queued goes first.
  if (sid) await config.activity.flush(sid);
  let error: GatehouseRpError | undefined;
  try {
    await revokeToken(token, config.credentials);
  } catch (err) {
    if (!(err instanceof GatehouseRpError)) throw err;
    error = err;
  }
  if (sid) config.recheck.markEnded(sid, exp);
  config.emit({ type: 'stopped', ...(sid ? { sid } : {}), revoked: !error, ...(error ? { error } : {}) }, ctx);
}
