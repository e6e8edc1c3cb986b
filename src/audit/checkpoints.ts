/**
 * Signed checkpoints of the audit logs (C2SP tlog-checkpoint in a signed note). One
 * Ed25519 key, from the private JWKS and never from Redis, signs every log's checkpoints;
 * each log signs under its own origin as key name (`<issuer host/path>/audit/<log>`), so
 * a tenant's verifier key names its own log.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { keys as storeKeys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { type CheckpointMemory, directoryMemory, processMemory } from './checkpoint-memory.js';
import { AuditError } from './errors.js';
import type { Hash } from './merkle/index.js';
import { type Checkpoint, formatCheckpoint, parseCheckpoint } from './note/checkpoint.js';
import { ed25519Signer, ed25519Verifier, formatVerifierKey, type NoteVerifier, openNote, rawEd25519PublicKey, signNote } from './note/signed-note.js';
import { growTree, rootAt } from './tree.js';

/** The checkpoint key: signs when it is private, verifies always. */
export interface CheckpointKey {
  /** The public half as a JWK (`kty: OKP`, `crv: Ed25519`), as `/audit/key` publishes it. */
  publicJwk: JWK;
  publicKey: Buffer;
  canSign: boolean;
  sign(text: string, origin: string): string;
  verifierFor(origin: string): NoteVerifier;
  /** The C2SP verifier key text for one log: `<origin>+<key id>+<key>`. */
  verifierKey(origin: string): string;
}

/** From the Ed25519 JWK of the keys file (private: signs) or as published (public: verifies). */
export function checkpointKey(jwk: JWK): CheckpointKey {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new AuditError('note_malformed', 'the audit key must be an Ed25519 JWK');
  const privateKey: KeyObject | null = typeof jwk.d === 'string' ? createPrivateKey({ key: jwk as never, format: 'jwk' }) : null;
  const publicKey = privateKey ? rawEd25519PublicKey(privateKey) : rawEd25519PublicKey(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } as never, format: 'jwk' }));
  return {
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url'), ...(jwk.kid ? { kid: jwk.kid } : {}), alg: 'Ed25519', use: 'sig' },
    publicKey,
    canSign: privateKey !== null,
    sign(text, origin) {
      if (!privateKey) throw new AuditError('no_signing_key', 'this key can only verify checkpoints');
      return signNote(text, ed25519Signer(origin, privateKey));
    },
    verifierFor: (origin) => ed25519Verifier(origin, publicKey),
    verifierKey: (origin) => formatVerifierKey(origin, publicKey),
  };
}

/** `https://id.example.com` → `id.example.com/audit/acme`: schema-less, unique per log. */
export function logOrigin(issuer: string, log: string): string {
  const url = new URL(issuer);
  return `${url.host}${url.pathname.replace(/\/$/, '')}/audit/${log}`;
}

export interface SignedCheckpoint extends Checkpoint {
  log: string;
  /** The whole signed note, as served and announced. */
  note: string;
  /** When it was issued (ISO 8601); kept beside the note, not signed. */
  time: string;
}

/** A kept checkpoint record: the note and when it was issued. */
function parseRecord(log: string, record: string): SignedCheckpoint {
  const { note, time } = JSON.parse(record) as { note: string; time: string };
  const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
  return { log, note, time, ...parseCheckpoint(text) };
}

/** Opens a checkpoint note with `key`, checking that it names the log's origin. */
export function openCheckpoint(note: string, key: CheckpointKey, origin: string): Checkpoint {
  const checkpoint = parseCheckpoint(openNote(note, key.verifierFor(origin)));
  if (checkpoint.origin !== origin) throw new AuditError('checkpoint_malformed', `the checkpoint is of ${checkpoint.origin}, not ${origin}`);
  return checkpoint;
}

/** The newest kept checkpoint of a log, unverified (callers verify with the key). */
export async function latestCheckpoint(store: Store, log: string): Promise<SignedCheckpoint | null> {
  const [latest] = await store.tlogCheckpoints(storeKeys.auditLog(log), { count: 1, newestFirst: true });
  return latest ? parseRecord(log, latest.record) : null;
}

/** Kept checkpoints with sizes in [min, max], oldest first, a page at a time. */
export async function* keptCheckpoints(store: Store, log: string, min = 0, max?: number): AsyncGenerator<SignedCheckpoint> {
  let from = min;
  for (;;) {
    const page = await store.tlogCheckpoints(storeKeys.auditLog(log), { min: from, ...(max === undefined ? {} : { max }), count: 200 });
    for (const { record } of page) yield parseRecord(log, record);
    if (page.length < 200) return;
    from = page.at(-1)!.size + 1;
  }
}

/** The kept checkpoint of exactly `size`, if any. */
export async function checkpointOfSize(store: Store, log: string, size: number): Promise<SignedCheckpoint | null> {
  const [found] = await store.tlogCheckpoints(storeKeys.auditLog(log), { min: size, max: size, count: 1 });
  return found ? parseRecord(log, found.record) : null;
}

/**
 * Signs a checkpoint of the log as it is now, unless the newest kept one already has its
 * size. Refuses (AuditError `log_damaged`) to sign a log that does not extend the last
 * checkpoint Gatehouse signed for it — the one in `memory` (checkpoint-memory.ts), out of
 * Redis's reach, and the newest kept in Redis — being smaller, or no longer having that
 * checkpoint's root: signing then would certify a rewritten history. The memory is read
 * and written back under its lock, and written before the checkpoint is kept or announced.
 */
export async function issueCheckpoint(
  store: Store,
  options: { issuer: string; key: CheckpointKey; log: string; memory?: CheckpointMemory },
): Promise<{ checkpoint: SignedCheckpoint; fresh: boolean }> {
  const { issuer, key, log } = options;
  const memory = options.memory ?? unremembered;
  const keys = storeKeys.auditLog(log);
  const origin = logOrigin(issuer, log);
  return memory.signing(log, async (remembered, keep) => {
    const size = await growTree(store, keys);
    // Sign only what a failover keeps (store.replicaAcks): the replicas must hold every leaf
    // the size counts, which other processes appended over their own connections (their
    // WAIT may not have returned yet), and the tree this one grew over them.
    await store.waitForReplicas(keys.tree, { allConnections: true });
    const latest = await latestCheckpoint(store, log);
    const extends_ = async (earlier: { size: number; root: Hash }, whose: string) => {
      if (earlier.size > size) throw new AuditError('log_damaged', `audit log ${log} has ${size} entries, fewer than the ${earlier.size} of ${whose}`);
      if (!(await rootAt(store, keys, earlier.size)).equals(earlier.root)) {
        throw new AuditError('log_damaged', `audit log ${log} no longer extends ${whose} (size ${earlier.size}): its first ${earlier.size} entries differ`);
      }
    };
    // The memory is checked even when Redis's kept checkpoints agree with the log: both
    // may have been rolled back together.
    if (remembered) await extends_(remembered, `the last checkpoint Gatehouse signed (kept in ${memory.where})`);
    if (latest?.size === size) return { checkpoint: latest, fresh: false };
    if (latest) {
      // A planted checkpoint (not ours) would steer the check: refuse it.
      openCheckpoint(latest.note, key, origin);
      await extends_(latest, 'its newest kept checkpoint');
    }
    const root = await rootAt(store, keys, size);
    const note = key.sign(formatCheckpoint({ origin, size, root }), origin);
    const time = new Date().toISOString();
    await keep({ size, root, note });
    const added = await store.tlogAddCheckpoint(keys, size, JSON.stringify({ note, time }));
    // Another process signed this size first: theirs is the kept one.
    const checkpoint = added ? { log, origin, size, root, note, time } : ((await checkpointOfSize(store, log, size)) ?? { log, origin, size, root, note, time });
    return { checkpoint, fresh: added };
  });
}

/** No memory at all (tools and tests that sign once): only Redis's kept checkpoints are checked. */
const unremembered: CheckpointMemory = { where: 'nowhere', signing: (_log, work) => work(null, async () => {}) };

/** The checkpoint memory of a deployment: `audit.stateDir` when set, else this process's. */
export function checkpointMemory(options: { stateDir?: string; issuer: string; key: CheckpointKey }): CheckpointMemory {
  const { stateDir, issuer, key } = options;
  if (!stateDir) return processMemory();
  return directoryMemory(stateDir, (log, note) => {
    const origin = logOrigin(issuer, log);
    try {
      return openCheckpoint(note, key, origin);
    } catch (error) {
      throw new AuditError('memory_unavailable', `the remembered checkpoint of log ${log} in ${stateDir} is not one of ours for ${origin}: ${(error as Error).message}`);
    }
  });
}
