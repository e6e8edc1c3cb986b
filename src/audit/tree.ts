/**
 * A log's Merkle tree as the store keeps it: grown from the leaves by whoever needs it
 * (the checkpointer before signing, the transparency API before proving), proofs read
 * from its stored hashes. Growing is idempotent and compare-and-extend, so any number of
 * processes may do it; appends never wait for it.
 */
import type { Store, TlogKeys } from '../store/types.js';
import { AuditError } from './errors.js';
import {
  Frontier,
  frontierSubtrees,
  type Hash,
  type HashReader,
  leafHash,
  proveConsistency,
  proveInclusion,
  storedHashCount,
  storedHashIndex,
  treeRoot,
} from './merkle/index.js';

/** Leaves hashed per extension: bounds one script's size and one call's latency. */
const EXTEND_STEP = 8_192;
const READ_PAGE = 1_000;

/** A reader of stored hashes that refuses to answer with a gap. */
export async function hashReader(store: Store, keys: TlogKeys): Promise<HashReader> {
  const { trimmedHashes } = await store.tlogState(keys);
  return async (indexes) => {
    const hashes = await store.tlogHashes(keys, indexes);
    return hashes.map((hash, i) => {
      if (hash) return hash;
      const index = indexes[i]!;
      throw index < trimmedHashes
        ? new AuditError('archived', 'that part of the log was archived; verify it with its archive')
        : new AuditError('log_damaged', `stored tree hash ${index} is missing`);
    });
  };
}

/** The frontier of the stored tree of `size` leaves. */
export async function storedFrontier(store: Store, keys: TlogKeys, size: number): Promise<Frontier> {
  const subtrees = frontierSubtrees(size);
  const read = await hashReader(store, keys);
  return new Frontier(size, await read(subtrees.map((s) => storedHashIndex(s.level, s.k))));
}

/**
 * Grows the stored tree to cover the first `upTo` leaves (default: all of them) and
 * answers its size. Leaves are read in order and must be contiguous: a missing one is
 * damage, reported rather than skipped.
 */
export async function growTree(store: Store, keys: TlogKeys, upTo?: number): Promise<number> {
  for (;;) {
    const state = await store.tlogState(keys);
    const target = Math.min(upTo ?? state.size, state.size);
    if (state.treeSize >= target) return state.treeSize;
    const frontier = await storedFrontier(store, keys, state.treeSize);
    const to = Math.min(target, state.treeSize + EXTEND_STEP);
    const written: Hash[] = [];
    for (let next = state.treeSize; next < to; ) {
      const page = await store.tlogRead(keys, next, Math.min(READ_PAGE, to - next));
      if (page.length === 0) throw missingLeaf(next);
      for (const { index, leaf } of page) {
        if (index !== next) throw missingLeaf(next);
        written.push(...frontier.push(leafHash(leaf)));
        next++;
      }
    }
    // false: another process grew it meanwhile; look again.
    await store.tlogExtend(keys, state.treeSize, to, storedHashCount(state.treeSize), Buffer.concat(written));
  }
}

function missingLeaf(index: number): AuditError {
  return new AuditError('log_damaged', `leaf ${index} is missing from the log`);
}

export async function rootAt(store: Store, keys: TlogKeys, size: number): Promise<Hash> {
  return treeRoot(size, await hashReader(store, keys));
}

export async function inclusionProof(store: Store, keys: TlogKeys, index: number, size: number): Promise<Hash[]> {
  return proveInclusion(index, size, await hashReader(store, keys));
}

/** Inclusion proofs of many entries in one tree, from one read of the stored hashes they need. */
export async function inclusionProofs(store: Store, keys: TlogKeys, indexes: readonly number[], size: number): Promise<Hash[][]> {
  const read = batching(await hashReader(store, keys));
  return Promise.all(indexes.map((index) => proveInclusion(index, size, read)));
}

/** A reader that gathers the reads asked for in one turn of the event loop into one. */
function batching(read: HashReader): HashReader {
  let pending: Array<{ indexes: number[]; resolve(hashes: Hash[]): void; reject(error: unknown): void }> | null = null;
  const flush = async () => {
    const batch = pending!;
    pending = null;
    const all = [...new Set(batch.flatMap((b) => b.indexes))];
    try {
      const hashes = await read(all);
      const byIndex = new Map(all.map((index, i) => [index, hashes[i]!]));
      for (const b of batch) b.resolve(b.indexes.map((index) => byIndex.get(index)!));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  };
  return (indexes) =>
    new Promise((resolve, reject) => {
      if (!pending) {
        pending = [];
        setImmediate(flush);
      }
      pending.push({ indexes, resolve, reject });
    });
}

export async function consistencyProof(store: Store, keys: TlogKeys, first: number, second: number): Promise<Hash[]> {
  return proveConsistency(first, second, await hashReader(store, keys));
}
