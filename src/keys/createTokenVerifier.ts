import { createLocalJWKSet, decodeJwt, type JWK, type JWTPayload, jwtVerify } from 'jose';

export interface TokenVerifier {
  /** Verifies one of our own RFC 9068 access tokens (signature, typ, issuer, expiry). */
  verify(token: string): Promise<JWTPayload>;
}

/** True when the string has the shape of a compact JWS (three base64url parts). */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/** Reads claims without verifying: only to choose an error message, never to trust. */
export function peekClaims(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

/**
 * Verifies JWT access tokens Gatehouse itself issued, with the public halves of its keys.
 * @example
 * const verifier = createTokenVerifier({ issuer, keys: signing.keys });
 * const claims = await verifier.verify(jwt);
 */
export function createTokenVerifier(options: { issuer: string; keys: JWK[] }): TokenVerifier {
  const publicKeys = options.keys.map(({ d, p, q, dp, dq, qi, ...pub }) => pub);
  const jwks = createLocalJWKSet({ keys: publicKeys });
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
      });
      return payload;
    },
  };
}
