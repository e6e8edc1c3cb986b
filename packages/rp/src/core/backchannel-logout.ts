import { GatehouseRpError } from '../errors.js';
import { verifyLogoutToken } from '../jwt/verify-logout-token.js';
import type { RpConfig } from './config.js';
import type { RpAnswer, RpRequest } from './exchange.js';
import { NO_STORE_HEADERS } from './page.js';

/** No impersonation outlives this (Gatehouse's hard cap): how long an ended sid is remembered. */
export const ENDED_SID_MEMORY_SECONDS = 8 * 3600;

/** Logout token ids already accepted, each until its token expires (Back-Channel Logout 1.0 §2.6 step 10). */
export interface JtiMemory {
  /** True the first time a jti is seen; false for a replay. */
  claim(jti: string, expSeconds: number): boolean;
}

export function createJtiMemory(): JtiMemory {
  const seen = new Map<string, number>();
  let lastSweep = Date.now();
  return {
    claim(jti, expSeconds) {
      const now = Date.now();
      if (now - lastSweep > 60_000) {
        lastSweep = now;
        for (const [id, until] of seen) if (until < now) seen.delete(id);
      }
      const until = seen.get(jti);
      if (until !== undefined && until >= now) return false;
      // Kept a little past exp: a token within the clock tolerance still counts as seen.
      seen.set(jti, expSeconds * 1000 + 60_000);
      return true;
    },
  };
}

/** §2.8: a refused logout request is answered 400 with an RFC 6749 style error body. */
function refusal(status: number, description: string, headers: Record<string, string> = {}): RpAnswer {
  return { status, headers: { ...NO_STORE_HEADERS, ...headers }, json: { error: 'invalid_request', error_description: description } };
}

/**
 * `backchannelLogoutPath` (OpenID Connect Back-Channel Logout 1.0 §2.5–§2.8): Gatehouse posts a
 * logout token when an impersonation session ends anywhere (the user's "End now", the console,
 * a replay, expiry, a disabled account). A token that verifies and was not seen before marks
 * its `sid` ended, so the browser holding that impersonation loses it at its next request,
 * without waiting for `recheckSeconds`. 200 with an empty body on success; 400 (or 503 when the
 * issuer's keys cannot be fetched, so Gatehouse retries) otherwise.
 */
export async function backchannelLogout<User extends object, Ctx>(
  request: RpRequest,
  ctx: Ctx,
  config: RpConfig<User, Ctx>,
): Promise<RpAnswer> {
  if (request.method !== 'POST') return refusal(405, 'logout tokens are POSTed (Back-Channel Logout 1.0 §2.5)', { Allow: 'POST' });
  const form = await request.readForm();
  if (!form.ok) return refusal(form.status, form.message);
  const values = form.params.getAll('logout_token');
  if (values.length !== 1 || !values[0]) return refusal(400, 'exactly one logout_token is required');
  const reject = (error: GatehouseRpError) => {
    config.emit({ type: 'logout_rejected', error }, ctx);
    const unavailable = error.code === 'issuer_unreachable' || error.code === 'issuer_bad_response';
    return refusal(unavailable ? 503 : 400, error.message);
  };
  let claims: Awaited<ReturnType<typeof verifyLogoutToken>>;
  try {
    claims = await verifyLogoutToken(values[0], { ...config.verify, clientId: config.credentials.clientId });
  } catch (err) {
    if (err instanceof GatehouseRpError) return reject(err);
    throw err;
  }
  if (!config.logoutJtis.claim(claims.jti, claims.exp)) {
    return reject(new GatehouseRpError('logout_token_replayed', 'this logout token was already used (its jti was seen)'));
  }
  const { sid, sub } = claims;
  if (sid) {
    const untilSeconds = Math.floor(Date.now() / 1000) + ENDED_SID_MEMORY_SECONDS;
    config.recheck.markEnded(sid, untilSeconds);
    config.activity.discard(sid);
    await config.endedSessions?.add(sid, untilSeconds * 1000);
  }
  config.emit({ type: 'logged_out', ...(sid ? { sid } : {}), ...(sub ? { sub } : {}) }, ctx);
  return { status: 200, headers: { ...NO_STORE_HEADERS } };
}
