import { jwtVerify } from 'jose';
import {
  ACCEPTED_ALGORITHMS,
  BACKCHANNEL_LOGOUT_EVENT,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  LOGOUT_TOKEN_JWT_TYP,
  LOGOUT_TOKEN_MAX_AGE_SECONDS,
} from '../constants.js';
import { GatehouseRpError } from '../errors.js';
import { isObject } from '../http/request.js';
import type { LogoutTokenClaims, VerifyLogoutTokenOptions } from '../types.js';
import { issuerKeys } from './issuer-keys.js';
import { mapJoseError } from './map-jose-error.js';

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * Verifies a logout token as OpenID Connect Back-Channel Logout 1.0 §2.6 asks of a relying
 * party: a JWT with header `typ: logout+jwt`, signed (ES256 or RS256) by a key of the issuer's
 * JWKS; `iss` the issuer, `aud` containing this app's client id, `iat` recent (at most
 * `maxAgeSeconds` old), `exp` not past, a `jti`, an `events` member holding
 * `http://schemas.openid.net/event/backchannel-logout`, no `nonce`, and a `sid` or a `sub`.
 *
 * It does not remember `jti`s: refusing a replayed token is the caller's (the middleware does).
 *
 * Throws {@link GatehouseRpError} with a `token_*` code (bad signature, wrong `aud`, `typ`,
 * issuer, expired…), `logout_token_invalid`, or `issuer_unreachable` / `issuer_bad_response`
 * when the keys cannot be had.
 *
 * @example
 * ```ts
 * const { sid } = await verifyLogoutToken(form.get('logout_token')!, {
 *   issuer: 'https://login.example.com',
 *   clientId: 'acme-app',
 * });
 * ```
 */
export async function verifyLogoutToken(token: string, options: VerifyLogoutTokenOptions): Promise<LogoutTokenClaims> {
  const { issuer, clientId, jwks, clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS } = options;
  if (typeof token !== 'string' || token === '') throw new GatehouseRpError('token_malformed', 'no logout token given');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, jwks ?? issuerKeys(issuer), {
      typ: LOGOUT_TOKEN_JWT_TYP, // jose accepts "logout+jwt" and "application/logout+jwt"
      algorithms: [...ACCEPTED_ALGORITHMS],
      issuer,
      audience: clientId,
      clockTolerance: clockToleranceSeconds,
      maxTokenAge: `${options.maxAgeSeconds ?? LOGOUT_TOKEN_MAX_AGE_SECONDS}s`,
      requiredClaims: ['iat', 'exp', 'jti', 'events'], // §2.4
    }));
  } catch (err) {
    throw mapJoseError(err);
  }
  const { iss, aud, iat, exp, jti, sub, sid, events } = payload;
  // §2.4: the events member holds the back-channel logout event, whose value is a JSON object.
  if (!isObject(events) || !isObject(events[BACKCHANNEL_LOGOUT_EVENT])) {
    throw new GatehouseRpError('logout_token_invalid', `events must hold ${BACKCHANNEL_LOGOUT_EVENT}`);
  }
  // §2.4: a nonce is prohibited, so an ID Token can never pass for a logout token.
  if ('nonce' in payload) throw new GatehouseRpError('logout_token_invalid', 'a logout token must not carry a nonce');
  if (!nonEmpty(sid) && !nonEmpty(sub)) throw new GatehouseRpError('logout_token_invalid', 'a logout token names a sid, a sub or both');
  if (!nonEmpty(jti) || typeof iat !== 'number' || typeof exp !== 'number' || typeof iss !== 'string') {
    throw new GatehouseRpError('token_malformed', 'iss, iat, exp and jti must be present and well typed');
  }
  return {
    iss,
    aud: aud as string | string[],
    iat,
    exp,
    jti,
    ...(nonEmpty(sub) ? { sub } : {}),
    ...(nonEmpty(sid) ? { sid } : {}),
  };
}
