import { jwtVerify } from 'jose';
import { ACCEPTED_ALGORITHMS, ACCESS_TOKEN_JWT_TYP, DEFAULT_CLOCK_TOLERANCE_SECONDS } from '../constants.js';
import { GatehouseRpError } from '../errors.js';
import type { ImpersonationClaims, VerifyImpersonationTokenOptions } from '../types.js';
import { issuerKeys } from './issuer-keys.js';
import { mapJoseError } from './map-jose-error.js';
import { readImpersonationClaims } from './read-impersonation-claims.js';

/**
 * Verifies a Gatehouse impersonation access token as RFC 9068 §4 asks of a resource server:
 * `typ` is `at+jwt` (or `application/at+jwt`), `alg` is ES256 or RS256 with a key from the
 * issuer's JWKS, `iss` is the issuer, `aud` contains this app's origin, `exp`/`iat` hold, and
 * `sub`, `client_id`, `jti` are present; then that it is an impersonation (RFC 8693 §4.1
 * `act.sub`, and `impersonation.sid`).
 *
 * This checks the token locally; it cannot know whether the session was ended since. Ask
 * {@link introspectToken} for that (the Koa middleware does, every `recheckSeconds`).
 *
 * Throws {@link GatehouseRpError} with a `token_*` code, or `issuer_unreachable` /
 * `issuer_bad_response` when the keys cannot be had.
 *
 * @example
 * ```ts
 * const claims = await verifyImpersonationToken(token, {
 *   issuer: 'https://login.example.com',
 *   audience: 'https://app.acme.com',
 * });
 * console.log(`${claims.act.sub} is acting as ${claims.sub}: ${claims.impersonation.reason}`);
 * ```
 */
export async function verifyImpersonationToken(
  token: string,
  options: VerifyImpersonationTokenOptions,
): Promise<ImpersonationClaims> {
  const { issuer, audience, jwks, clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS } = options;
  if (typeof token !== 'string' || token === '') {
    throw new GatehouseRpError('token_malformed', 'no token given');
  }
  try {
    const { payload } = await jwtVerify(token, jwks ?? issuerKeys(issuer), {
      typ: ACCESS_TOKEN_JWT_TYP, // jose accepts "at+jwt" and "application/at+jwt", case-insensitively
      algorithms: [...ACCEPTED_ALGORITHMS],
      issuer,
      audience,
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'], // RFC 9068 §2.2
    });
    return readImpersonationClaims(payload, clockToleranceSeconds);
  } catch (err) {
    throw mapJoseError(err);
  }
}
