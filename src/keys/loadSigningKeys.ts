import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { JWK } from 'jose';
import { KeysError } from './errors.js';
import { AUDIT_ALG, DEV_KID_PREFIX, generateAuditKey, generateJwks } from './generateJwks.js';
import { validatePrivateJwks } from './validateJwks.js';

/** Where dev keys are kept between restarts, relative to the working directory. */
export const DEFAULT_DEV_KEYS_PATH = '.gatehouse/dev-keys.json';

export interface LoadSigningKeysOptions {
  /** `config.keysSource` (GATEHOUSE_KEYS): a path to a JWKS file, the JWKS JSON itself, or null. */
  keysSource: string | null;
  production: boolean;
  /** Dev keys file; default `.gatehouse/dev-keys.json` in the working directory. */
  devKeysPath?: string;
}

export interface SigningKeys {
  /** Private ES256/RS256 JWKs for tokens, in the configured order; the first key of each alg signs, all verify. */
  keys: JWK[];
  /**
   * The Ed25519 private JWK that signs audit checkpoints (the first one in the set), or
   * null when the set has none: the server then refuses to start, a verifying CLI copes.
   */
  auditKey: JWK | null;
  /** True when these are generated development keys. */
  dev: boolean;
}

/** A value that is safe to show: a path, never a pasted key (which would be long or multi-line). */
const printable = (value: string) => (value.length <= 512 && !/[\r\n{]/.test(value) ? ` ${value}` : '');

async function readSource(source: string): Promise<{ text: string; label: string }> {
  const trimmed = source.trim();
  if (trimmed.startsWith('{')) return { text: trimmed, label: 'GATEHOUSE_KEYS' };
  try {
    return { text: await readFile(trimmed, 'utf8'), label: `GATEHOUSE_KEYS file ${trimmed}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new KeysError(
      'keys_unreadable',
      `GATEHOUSE_KEYS: cannot read the file${printable(trimmed)} (${code}); give a path to a JWKS file or the JWKS JSON itself`,
    );
  }
}

function parse(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse quotes the text around the error, which here is key material.
    throw new KeysError('keys_invalid', `${label}: not valid JSON`);
  }
}

/**
 * Reads the dev keys file, creating it on first use. The file is written under a temporary
 * name and hard-linked into place, which fails if it exists: of two processes starting at
 * once one creates it and the other reads that one, and nobody reads a half-written file.
 */
async function readOrCreateDevKeys(path: string): Promise<unknown> {
  const label = `dev keys file ${path}`;
  try {
    return parse(await readFile(path, 'utf8'), label);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof KeysError) throw new KeysError(err.code, `${err.message} (delete it to generate new dev keys)`);
      throw new KeysError('keys_unreadable', `cannot read ${label} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const jwks = await generateJwks({ kidPrefix: DEV_KID_PREFIX });
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(temp, path);
    return jwks;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return parse(await readFile(path, 'utf8'), label);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * A dev keys file from before audit checkpoints were signed has no Ed25519 key: add one,
 * in place (write a temporary file, rename it over), so every dev instance reading the
 * file afterwards signs with the same key. Two processes racing here may each add one;
 * the last rename wins and the loser's first checkpoints fail to verify — dev only.
 */
async function addDevAuditKey(path: string, jwks: unknown): Promise<unknown> {
  const list = (jwks as { keys?: unknown[] }).keys;
  if (!Array.isArray(list) || list.some((k) => (k as JWK)?.kty === 'OKP')) return jwks;
  const updated = { keys: [...list, await generateAuditKey({ kidPrefix: DEV_KID_PREFIX })] };
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(updated, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
  return updated;
}

/**
 * Loads the private signing keys every instance of a deployment shares (ARCHITECTURE.md:
 * "Signing keys ... come from config/env so every instance signs and verifies alike").
 *
 * Rotation: list the new key of an alg first and keep the old one after it until tokens
 * signed with it have expired; the first key of each alg signs, every key stays in the
 * published JWKS so earlier tokens still verify.
 *
 * Without GATEHOUSE_KEYS, outside production, keys are generated once into the dev keys
 * file (mode 0600) with `dev-` kids; production refuses both the absence and such kids.
 * @example
 * const { keys, dev } = await loadSigningKeys({ keysSource: config.keysSource, production: config.production });
 */
export async function loadSigningKeys(options: LoadSigningKeysOptions): Promise<SigningKeys> {
  const { keysSource, production } = options;
  let keys: JWK[];
  let dev = false;
  if (keysSource !== null && keysSource.trim() !== '') {
    const { text, label } = await readSource(keysSource);
    keys = await validatePrivateJwks(parse(text, label), label);
  } else if (production) {
    throw new KeysError('dev_keys_in_production', 'GATEHOUSE_KEYS is not set; generated keys are for development only');
  } else {
    const path = resolve(options.devKeysPath ?? DEFAULT_DEV_KEYS_PATH);
    keys = await validatePrivateJwks(await addDevAuditKey(path, await readOrCreateDevKeys(path)), `dev keys file ${path}`);
    dev = true;
  }
  const devKid = keys.find((k) => k.kid?.startsWith(DEV_KID_PREFIX));
  if (production && devKid) {
    throw new KeysError('dev_keys_in_production', `GATEHOUSE_KEYS: kid "${devKid.kid}" is a development key; production needs keys from "gatehouse keys generate"`);
  }
  return { keys: keys.filter((k) => k.alg !== AUDIT_ALG), auditKey: keys.find((k) => k.alg === AUDIT_ALG) ?? null, dev };
}
