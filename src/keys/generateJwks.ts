import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** The algorithms Gatehouse signs with; every deployment holds at least one key of each. */
export const SIGNING_ALGS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/**
 * The algorithm of the key that signs audit checkpoints (C2SP signed-note type 0x01).
 * It lives in the same private JWKS, is never handed to oidc-provider, and never in Redis.
 */
export const AUDIT_ALG = 'Ed25519' as const;

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
 * RFC 7518 §3.3) key for tokens, and one Ed25519 key (RFC 8037 OKP, `alg` per RFC 9864)
 * for audit checkpoints, each with `use: 'sig'`, `alg` and a kid that is its RFC 7638
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
  keys.push(await generateAuditKey(options));
  return { keys };
}

/** One Ed25519 private JWK for signing audit checkpoints (`gatehouse keys generate --audit`). */
export async function generateAuditKey(options: GenerateJwksOptions = {}): Promise<JWK> {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK;
  const kid = (options.kidPrefix ?? '') + (await calculateJwkThumbprint(jwk, 'sha256'));
  return { ...jwk, kid, use: 'sig', alg: AUDIT_ALG };
}
