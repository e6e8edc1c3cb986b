import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK, type JWTPayload, jwtVerify } from 'jose';

export interface TokenVerifier {
  /** Verifies one of our own RFC 9068 access tokens (signature, typ, issuer, expiry). */
  verify(token: string): Promise<JWTPayload>;
}

/** True when the string has the shape of a compact JWS (three base64url parts). */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * True when the string is a JWS or JWE by its protected header: what oidc-provider refuses
 * at introspection and revocation as a structured token (its reject_structured_tokens).
 */
export function isStructuredToken(token: unknown): token is string {
  if (typeof token !== 'string') return false;
  try {
    return Boolean(decodeProtectedHeader(token));
  } catch {
    return false;
  }
}

/** Reads claims without verifying: only to choose an error message, never to trust. */
export function peekClaims(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

/** How many verified tokens are remembered (about 100 bytes each: a digest and the claims). */
export const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Verifies JWT access tokens Gatehouse itself issued, with the public halves of its keys.
 * A signature that verified once verifies again (the keys are fixed for the process's
 * life), so each token's claims are remembered by its SHA-256 until it expires: a resource
 * server introspecting the same token, or a tenant app calling /me, costs one ECDSA
 * verification per token instead of one per request (the verification was a quarter of
 * the server's CPU under introspection load, bench/README.md). Expiry is still checked on
 * every call; a token's session and accounts are the callers' business, every time.
 * @example
 * const verifier = createTokenVerifier({ issuer, keys: signing.keys });
 * const claims = await verifier.verify(jwt);
 */
export function createTokenVerifier(options: { issuer: string; keys: JWK[]; cacheSize?: number }): TokenVerifier {
  const publicKeys = options.keys.map(({ d, p, q, dp, dq, qi, ...pub }) => pub);
  const jwks = createLocalJWKSet({ keys: publicKeys });
  const cacheSize = options.cacheSize ?? VERIFIED_CACHE_SIZE;
  const verified = new Map<string, JWTPayload>();
  return {
    async verify(token) {
      const digest = createHash('sha256').update(token).digest('base64url');
      const known = verified.get(digest);
      const now = Date.now() / 1000;
      if (known && typeof known.exp === 'number' && known.exp > now && (known.nbf === undefined || known.nbf <= now)) return known;
      if (known) verified.delete(digest);
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
      });
      if (cacheSize > 0 && typeof payload.exp === 'number') {
        // Oldest first out: a Map iterates in insertion order.
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
        verified.set(digest, Object.freeze(payload));
      }
      return payload;
    },
  };
}
