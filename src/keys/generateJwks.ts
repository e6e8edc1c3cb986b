import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** The algorithms Gatehouse signs with; every deployment holds at least one key of each. */
export const SIGNING_ALGS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** Kids of generated development keys start with this; production refuses them. */
export const DEV_KID_PREFIX = 'dev-';

export interface PrivateJwks {
  keys: JWK[];
}

export interface GenerateJwksOptions {
  /** Prepended to each kid (the dev key loader passes `dev-`). */
  kidPrefix?: string;
}

/**
 * Generates a private JWKS with one ES256 (P-256) and one RS256 (2048-bit, the minimum of
 * RFC 7518 §3.3) key, each with `use: 'sig'`, `alg` and a kid that is its RFC 7638
 * thumbprint, so the same key always has the same kid.
 * @example
 * const jwks = await generateJwks();
 * writeFileSync('keys.json', JSON.stringify(jwks), { mode: 0o600 });
 */
export async function generateJwks(options: GenerateJwksOptions = {}): Promise<PrivateJwks> {
  const keys: JWK[] = [];
  for (const alg of SIGNING_ALGS) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    const jwk = await exportJWK(privateKey);
    const kid = (options.kidPrefix ?? '') + (await calculateJwkThumbprint(jwk, 'sha256'));
    keys.push({ ...jwk, kid, use: 'sig', alg });
  }
  return { keys };
}
