/** Random secrets and their store keys: only SHA-256 digests are ever stored. */
import { createHash, randomBytes, randomInt } from 'node:crypto';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
/** SHA-256 as base64url: the shorter key form (43 characters) for many short-lived keys. */
export const sha256Key = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * CSPRNG bytes drawn from a pooled buffer, each byte handed out once: one randomBytes call
 * per 4 KiB instead of one per secret (a call cost ~2-3% of the server's CPU under mint
 * load in the profile, bench/README.md). The bytes are the same CSPRNG's.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;
export function secretBytes(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

/** `n` random bytes as hex, from the same pool (unique markers, not secrets). */
export const randomHex = (n: number) => secretBytes(n).toString('hex');

/**
 * Session ids are public (in the token), but unguessable anyway. They name their tenant,
 * whose Cluster slot keeps the session (store/keys.ts sessionTenant).
 */
export const newSessionId = (tenant: string) => `imp_${tenant}_${secretBytes(16).toString('base64url')}`;

/**
 * A support access code: easy to read aloud over the phone — 10 characters from an
 * alphabet without look-alikes (no 0/O, 1/I/L), shown as two groups of five like K7M2Q-9XH4P (~49 bits; single
 * use, short-lived and rate limited per admin).
 */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export function newAccessCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Case, spaces and dashes do not matter when a code is typed back. */
export const normalizeAccessCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
