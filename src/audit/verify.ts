/**
 * Verifying a log in the store against its signed checkpoints — the kept ones and any
 * saved elsewhere (`--checkpoint`): every leaf is re-hashed in one streaming pass
 * (constant memory: the tree's frontier), and the root is compared at each checkpoint's
 * size. A truncation, an edit, a reordering, a rewrite or a rollback changes a root or
 * the size, and no one holding Redis can sign a new checkpoint.
 */
import { keys as storeKeys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { type CheckpointKey, keptCheckpoints, openCheckpoint } from './checkpoints.js';
import { AuditError } from './errors.js';
import { type Hash, leafHash, verifyConsistency, verifyInclusion } from './merkle/index.js';
import type { Checkpoint } from './note/checkpoint.js';
import { consistencyProof, inclusionProof, rootAt, storedFrontier } from './tree.js';

export type LogProblemKind =
  /** The log holds fewer entries than a checkpoint says: the newest were removed, or the whole log rolled back. */
  | 'truncated'
  /** The entries no longer hash to a checkpoint's root: one was edited, reordered, replaced, or the log rewritten. */
  | 'root_mismatch'
  /** A position of the log holds no entry. */
  | 'missing_entry'
  /** A checkpoint whose signature or origin does not verify. */
  | 'bad_checkpoint'
  /** The stored tree, which serves proofs to tenants, disagrees with the entries. */
  | 'tree_mismatch'
  /** A checkpoint older than the log's archive cut: verify it with the archive. */
  | 'before_archive';

export interface LogVerification {
  log: string;
  ok: boolean;
  /** Entries in the log (archived ones included). */
  size: number;
  /** Entries re-hashed (those still in Redis). */
  checked: number;
  /** Checkpoints the entries were compared with. */
  checkpoints: number;
  /** The newest kept checkpoint that verified. */
  latest?: { size: number; root: string };
  problem?: { kind: LogProblemKind; message: string };
}

const READ_PAGE = 1_000;

interface Target extends Checkpoint {
  label: string;
}

/** The checkpoints to compare with, by size: the given ones (few) merged into the kept ones (streamed). */
async function* targets(store: Store, log: string, from: number, given: Target[], key: CheckpointKey, origin: string): AsyncGenerator<Target> {
  const rest = [...given].sort((a, b) => a.size - b.size);
  for await (const kept of keptCheckpoints(store, log, from)) {
    while (rest[0] && rest[0].size <= kept.size) yield rest.shift()!;
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(kept.note, key, origin);
    } catch (error) {
      throw new Problem('bad_checkpoint', `the kept checkpoint of size ${kept.size} does not verify (${(error as Error).message})`);
    }
    yield { ...checkpoint, label: `kept checkpoint ${checkpoint.size}` };
  }
  yield* rest;
}

class Problem extends Error {
  constructor(
    readonly kind: LogProblemKind,
    message: string,
  ) {
    super(message);
  }
}

/** A gap where an entry should be: damage, unless an archive took it meanwhile. */
async function missingEntry(store: Store, log: string, position: number): Promise<never> {
  if ((await store.tlogState(storeKeys.auditLog(log))).trimmed > position) {
    throw new AuditError('out_of_range', `the ${log} log was archived while it was being verified; verify again`);
  }
  throw new Problem('missing_entry', `entry ${position} is missing`);
}

/**
 * @param given checkpoint notes saved outside Gatehouse (any log's; others are ignored)
 * @example
 * const result = await verifyLog(store, { log: 'acme', origin, key, given: [savedNote] });
 */
export async function verifyLog(
  store: Store,
  options: { log: string; origin: string; key: CheckpointKey; given?: readonly string[] },
): Promise<LogVerification> {
  const { log, origin, key } = options;
  const keys = storeKeys.auditLog(log);
  const state = await store.tlogState(keys);
  const result: LogVerification = { log, ok: false, size: state.size, checked: 0, checkpoints: 0 };
  const missing = (position: number) => missingEntry(store, log, position);
  try {
    const given: Target[] = [];
    for (const note of options.given ?? []) {
      if (!note.startsWith(`${origin}\n`)) continue;
      try {
        given.push({ ...openCheckpoint(note, key, origin), label: 'the given checkpoint' });
      } catch (error) {
        throw new Problem('bad_checkpoint', `the given checkpoint does not verify (${(error as Error).message})`);
      }
    }
    for (const g of given) {
      if (g.size > state.size) throw new Problem('truncated', `the log has ${state.size} entries but ${g.label} has ${g.size}: entries were removed`);
      if (g.size < state.trimmed) throw new Problem('before_archive', `${g.label} (size ${g.size}) predates the archive cut at ${state.trimmed}: verify it with the archive`);
    }

    const frontier = await storedFrontier(store, keys, state.trimmed).catch(() => {
      throw new Problem('missing_entry', `the archived part's frontier (below ${state.trimmed}) is missing`);
    });
    const upcoming = targets(store, log, state.trimmed, given, key, origin);
    let next = (await upcoming.next()).value as Target | undefined;
    let lastMatched: Target | undefined;
    let rootAtTree: Hash | undefined;
    const compare = async () => {
      if (frontier.size === state.treeSize) rootAtTree = frontier.root();
      while (next && next.size <= frontier.size) {
        if (next.size === frontier.size && !frontier.root().equals(next.root)) {
          const since = lastMatched ? ` (entries ${lastMatched.size}–${next.size - 1}; the first ${lastMatched.size} still match)` : '';
          throw new Problem('root_mismatch', `the entries no longer hash to ${next.label}'s root${since}: an entry was edited, reordered or replaced, or the log rewritten`);
        }
        result.checkpoints++;
        lastMatched = next;
        next = (await upcoming.next()).value as Target | undefined;
      }
    };
    await compare();
    for (let position = state.trimmed; position < state.size; ) {
      const page = await store.tlogRead(keys, position, Math.min(READ_PAGE, state.size - position));
      if (page[0]?.index !== position) await missing(position);
      for (const { index, leaf } of page) {
        if (index !== position) await missing(position);
        frontier.push(leafHash(leaf));
        position++;
        result.checked++;
        await compare();
      }
    }
    // A kept checkpoint beyond the entries read: the log grew while it was verified, or shrank.
    while (next) {
      const now = await store.tlogState(keys);
      if (!next.label.startsWith('kept') || now.size < next.size) {
        throw new Problem('truncated', `the log has ${now.size} entries but ${next.label} has ${next.size}: entries were removed`);
      }
      next = (await upcoming.next()).value as Target | undefined;
    }

    const latest = [...given, ...(lastMatched ? [lastMatched] : [])].sort((a, b) => b.size - a.size)[0];
    await checkStoredTree(store, log, state, rootAtTree, latest, given);
    if (lastMatched) result.latest = { size: lastMatched.size, root: lastMatched.root.toString('base64') };
    result.ok = true;
  } catch (error) {
    if (error instanceof Problem) result.problem = { kind: error.kind, message: error.message };
    else if (error instanceof AuditError && error.code === 'log_damaged') result.problem = { kind: 'tree_mismatch', message: error.message };
    else throw error;
  }
  return result;
}

/**
 * The stored tree serves proofs to tenants: its root must be the recomputed one, and the
 * proofs it makes from each given checkpoint to the newest must verify.
 */
async function checkStoredTree(store: Store, log: string, state: { treeSize: number; trimmed: number }, recomputed: Hash | undefined, latest: Target | undefined, given: Target[]) {
  const keys = storeKeys.auditLog(log);
  if (state.treeSize > state.trimmed && recomputed && !(await rootAt(store, keys, state.treeSize)).equals(recomputed)) {
    throw new Problem('tree_mismatch', `the stored tree of ${state.treeSize} entries disagrees with the entries: its proofs would not verify`);
  }
  if (!latest || latest.size === 0 || latest.size > state.treeSize) return;
  for (const g of given) {
    if (g.size < state.trimmed) continue;
    if (!verifyConsistency(g.size, latest.size, g.root, latest.root, await consistencyProof(store, keys, g.size, latest.size))) {
      throw new Problem('tree_mismatch', `the stored tree's consistency proof from ${g.size} to ${latest.size} does not verify`);
    }
  }
  const [last] = await store.tlogRead(keys, latest.size - 1, 1);
  if (last && last.index === latest.size - 1) {
    const proof = await inclusionProof(store, keys, last.index, latest.size);
    if (!verifyInclusion(last.index, latest.size, leafHash(last.leaf), proof, latest.root)) {
      throw new Problem('tree_mismatch', `the stored tree's inclusion proof of entry ${last.index} does not verify`);
    }
  }
}
