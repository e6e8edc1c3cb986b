import { errors } from 'jose';
import { GatehouseRpError, type RpErrorCode } from '../errors.js';

/** Which claim failed jose's JWT Claims Set validation decides the code. */
const CLAIM_CODES: Record<string, RpErrorCode> = {
  typ: 'token_wrong_type', // RFC 9068 §4: typ must be at+jwt
  iss: 'token_wrong_issuer', // RFC 9068 §4: iss must match the issuer exactly
  aud: 'token_wrong_audience', // RFC 9068 §4: aud must contain the resource server's identifier
  nbf: 'token_not_yet_valid',
  iat: 'token_not_yet_valid',
};

/**
 * Turns what `jwtVerify` threw into a {@link GatehouseRpError}. Errors that are not about the
 * token (a bug in a caller-supplied key resolver) are returned unchanged.
 */
export function mapJoseError(err: unknown): unknown {
  if (err instanceof GatehouseRpError) return err;
  const reject = (code: RpErrorCode, message: string) => new GatehouseRpError(code, message, { cause: err });
  if (err instanceof errors.JWTExpired) return reject('token_expired', 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const code = err.reason === 'missing' || err.reason === 'invalid' ? undefined : CLAIM_CODES[err.claim];
    return reject(code ?? 'token_malformed', err.message);
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return reject('token_wrong_alg', 'the token is not signed with ES256 or RS256');
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return reject('token_unknown_key', "no key in the issuer's JWKS matches the token's kid");
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return reject('token_bad_signature', 'the token signature does not verify');
  }
  if (err instanceof errors.JWKSTimeout) return reject('issuer_unreachable', 'the JWKS could not be fetched in time');
  if (err instanceof errors.JOSEError) return reject('token_malformed', err.message);
  return err;
}
