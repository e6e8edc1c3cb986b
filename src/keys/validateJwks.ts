import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { base64url, CompactSign, calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { KeysError } from './errors.js';
import { AUDIT_ALG, SIGNING_ALGS, type SigningAlg } from './generateJwks.js';

type KeyAlg = SigningAlg | typeof AUDIT_ALG;

/** RFC 7518 §3.3: RS256 keys must be 2048 bits or larger. */
const MIN_RSA_BITS = 2048;

const PUBLIC_PARAMS: Record<KeyAlg, readonly string[]> = {
  ES256: ['kty', 'crv', 'x', 'y'],
  RS256: ['kty', 'n', 'e'],
  Ed25519: ['kty', 'crv', 'x'],
};

function invalid(where: string, why: string): never {
  throw new KeysError('keys_invalid', `${where}: ${why}`);
}

/** The alg a key declares, or the one its type implies when it declares none (`EdDSA` reads as Ed25519). */
function algOf(jwk: JWK, where: string): KeyAlg {
  const implied =
    jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? AUDIT_ALG : undefined;
  const alg = jwk.alg === 'EdDSA' && implied === AUDIT_ALG ? AUDIT_ALG : (jwk.alg ?? implied);
  if (!alg || ![...SIGNING_ALGS, AUDIT_ALG].includes(alg as KeyAlg)) {
    invalid(where, `unsupported alg ${JSON.stringify(jwk.alg ?? jwk.kty ?? null)}; use ES256 or RS256 (and Ed25519 for audit checkpoints)`);
  }
  return alg as KeyAlg;
}

/** Proves the private and public halves belong together: a mismatched pair would sign tokens nobody can verify. */
async function assertUsable(jwk: JWK, alg: KeyAlg, where: string): Promise<void> {
  if (alg === AUDIT_ALG) return assertUsableEd25519(jwk, where);
  if (alg === 'ES256' && (jwk.kty !== 'EC' || jwk.crv !== 'P-256')) invalid(where, 'an ES256 key must be an EC P-256 key');
  if (alg === 'RS256' && jwk.kty !== 'RSA') invalid(where, 'an RS256 key must be an RSA key');
  if (typeof jwk.d !== 'string') invalid(where, 'not a private key (no "d"); GATEHOUSE_KEYS holds the private JWKS');
  if (alg === 'RS256' && base64url.decode(jwk.n ?? '').length * 8 < MIN_RSA_BITS) invalid(where, `RSA keys must be at least ${MIN_RSA_BITS} bits`);
  try {
    const publicJwk = Object.fromEntries(PUBLIC_PARAMS[alg].map((p) => [p, jwk[p as keyof JWK]]));
    const probe = await new CompactSign(new TextEncoder().encode('gatehouse')).setProtectedHeader({ alg }).sign(await importJWK(jwk, alg));
    await compactVerify(probe, await importJWK(publicJwk, alg));
  } catch {
    // The library's message may quote parameters; ours says only which key failed.
    invalid(where, `not a usable ${alg} private key`);
  }
}

/** Same proof for the audit key, with node:crypto (the signer of checkpoints). */
function assertUsableEd25519(jwk: JWK, where: string): void {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') invalid(where, 'an Ed25519 key must be an OKP Ed25519 key');
  if (typeof jwk.d !== 'string') invalid(where, 'not a private key (no "d"); GATEHOUSE_KEYS holds the private JWKS');
  try {
    const probe = Buffer.from('gatehouse');
    const signature = sign(null, probe, createPrivateKey({ key: jwk as never, format: 'jwk' }));
    if (!verify(null, probe, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } as never, format: 'jwk' }), signature)) throw new Error('mismatch');
  } catch {
    invalid(where, 'not a usable Ed25519 private key');
  }
}

/**
 * Checks a parsed private JWKS: every key ES256, RS256 or Ed25519, private and usable, kids unique
 * (a missing kid becomes the RFC 7638 thumbprint, `use` becomes `sig`), and at least one
 * key of each alg. Order is kept: the first key of each alg is the one that signs.
 * @example
 * const keys = await validatePrivateJwks(JSON.parse(text), 'GATEHOUSE_KEYS');
 */
export async function validatePrivateJwks(value: unknown, source: string): Promise<JWK[]> {
  const list = (value as { keys?: unknown } | null)?.keys;
  if (!value || typeof value !== 'object' || !Array.isArray(list) || list.length === 0) {
    invalid(source, 'not a JWKS: expected {"keys": [ ... ]} with at least one key');
  }
  const keys: JWK[] = [];
  const kids = new Set<string>();
  for (const [i, item] of list.entries()) {
    let where = `${source} keys[${i}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) invalid(where, 'not a JWK object');
    const jwk = item as JWK;
    if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) invalid(where, '"kid" must be a non-empty string');
    if (jwk.kid) where += ` (kid ${JSON.stringify(jwk.kid)})`;
    const alg = algOf(jwk, where);
    if (jwk.use !== undefined && jwk.use !== 'sig') invalid(where, '"use" must be "sig"');
    await assertUsable(jwk, alg, where);
    const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk, 'sha256'));
    if (kids.has(kid)) invalid(where, `duplicate kid ${JSON.stringify(kid)}`);
    kids.add(kid);
    keys.push({ ...jwk, kid, alg, use: 'sig' });
  }
  for (const alg of SIGNING_ALGS) {
    if (!keys.some((k) => k.alg === alg)) {
      throw new KeysError(
        'keys_missing_alg',
        `${source}: no ${alg} private key; Gatehouse needs at least one ES256 (P-256) and one RS256 key (make a set with "gatehouse keys generate")`,
      );
    }
  }
  return keys;
}
