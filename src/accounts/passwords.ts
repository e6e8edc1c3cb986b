/**
 * Password hashing: argon2id with the configured cost (OWASP Password Storage Cheat Sheet;
 * RFC 9106 §4). The parameters are encoded in each hash, so raising them in config only
 * affects hashes made afterwards and old hashes keep verifying.
 */
import argon2 from 'argon2';
import { AccountError } from './errors.js';

export interface Argon2Params {
  /** KiB of memory per hash. */
  memoryCost: number;
  /** Passes over the memory. */
  timeCost: number;
  parallelism: number;
}

/** NIST SP 800-63B §3.1.1.2: at least 8 characters; the cap bounds the work an attacker can ask for. */
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;

/** Throws `invalid_password` for a password the policy refuses. */
export function assertAcceptablePassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new AccountError('invalid_password');
  }
}

/**
 * Hashes a password with argon2id; the result is a PHC string (`$argon2id$v=19$m=…`).
 * @example
 * const hash = await hashPassword('correct horse', { memoryCost: 19456, timeCost: 2, parallelism: 1 });
 */
export async function hashPassword(password: string, params: Argon2Params): Promise<string> {
  assertAcceptablePassword(password);
  return argon2.hash(password, {
    type: argon2.argon2id,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
}

// One dummy hash per parameter set, made once per process: verifying a missing account
// against it costs what verifying a real one costs, so response time does not reveal
// whether an account exists (OWASP Authentication Cheat Sheet, "Authentication Responses").
const dummyHashes = new Map<string, Promise<string>>();

function dummyHash(params: Argon2Params): Promise<string> {
  const id = `${params.memoryCost}:${params.timeCost}:${params.parallelism}`;
  let hash = dummyHashes.get(id);
  if (!hash) {
    hash = hashPassword('gatehouse-dummy-password', params);
    // A failed hash must not poison the cache for the rest of the process.
    hash.catch(() => dummyHashes.delete(id));
    dummyHashes.set(id, hash);
  }
  return hash;
}

let verifications = 0;

/**
 * How many argon2 verifications this process has run (the dummy ones included). What a
 * guessing limit protects is this number: tests and metrics read it to check that N
 * concurrent wrong passwords cost at most the limit's worth of verifications (PROTOCOL §10.3).
 */
export function passwordVerifications(): number {
  return verifications;
}

/**
 * Verifies a password against a stored hash. With no hash (unknown account, or one
 * without a password) it still spends one argon2 verify on a dummy hash and answers false.
 * @example
 * const ok = await verifyPassword(record?.passwordHash ?? null, password, config.policy.argon2);
 */
export async function verifyPassword(hash: string | null | undefined, password: string, params: Argon2Params): Promise<boolean> {
  const digest = hash ?? (await dummyHash(params));
  let ok: boolean;
  verifications++;
  try {
    ok = await argon2.verify(digest, typeof password === 'string' ? password : '');
  } catch {
    // A malformed stored hash is a refusal, not a crash of the login route.
    ok = false;
  }
  return ok && Boolean(hash);
}

/** Creates the dummy hash now, so the first login for an unknown account is not the slow one. */
export function warmUpPasswords(params: Argon2Params): Promise<void> {
  return dummyHash(params).then(() => undefined);
}
