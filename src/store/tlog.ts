/**
 * What the store offers the audit trail's transparency logs (src/audit). A log is an
 * append-only list of leaves (the events' canonical JSON, which is what goes in and comes
 * out; Redis keeps them compressed, leaf-codec.ts), the hashes of its Merkle tree
 * in their stored order (see src/audit/merkle/stored-index.ts), and its signed
 * checkpoints. The store knows no hashing: it keeps bytes in order and refuses writes that
 * would not line up. Every key of one log carries the log's Cluster hash tag, so each
 * call is one atomic script on one shard, and different logs never contend.
 */
export interface TlogKeys {
  /** Stream of leaves; the entry id `<index>-1` is the leaf's position. */
  leaves: string;
  /** Hash: `size`, `treeSize`, `trimmed`, `trimmedHashes`, and `pin:<stored index>` hashes. */
  state: string;
  /** Prefix of the strings holding the stored hashes, `TREE_CHUNK` of them each: `<tree>:<n>`. */
  tree: string;
  /** Sorted set of checkpoint records scored by tree size. */
  checkpoints: string;
}

export interface TlogState {
  /** Leaves appended so far: the next leaf's index. */
  size: number;
  /** Leaves whose hashes, and those of every subtree they complete, are stored. */
  treeSize: number;
  /** Leaves below this index were archived and left Redis. */
  trimmed: number;
  /** Stored hashes below this index left Redis too, except the pinned frontier of `trimmed`. */
  trimmedHashes: number;
}

export interface TlogLeaf {
  index: number;
  leaf: string;
}

export interface TlogCheckpointRecord {
  size: number;
  record: string;
}

/** Stored hashes per tree string: 512 KiB strings, so trimming frees whole keys. */
export const TREE_CHUNK = 16_384;

export interface TlogStore {
  /**
   * Appends leaves in one atomic call and answers the index of the first. Nothing to
   * compare, nothing to retry: the store assigns the positions, so concurrent appenders
   * (any process) never conflict, and the leaves are in Redis when this resolves.
   */
  tlogAppend(log: TlogKeys, leaves: string[]): Promise<number>;
  tlogState(log: TlogKeys): Promise<TlogState>;
  /** Leaves from index `start` on, oldest first, at most `count`. */
  tlogRead(log: TlogKeys, start: number, count: number): Promise<TlogLeaf[]>;
  /** Leaves before index `before`, newest first, at most `count`. */
  tlogReadBackward(log: TlogKeys, before: number, count: number): Promise<TlogLeaf[]>;
  /** Stored hashes by stored index; null where one is missing (archived or damaged). */
  tlogHashes(log: TlogKeys, storedIndexes: number[]): Promise<Array<Buffer | null>>;
  /**
   * Stores the hashes that grow the tree from `fromSize` to `toSize` leaves (`hashes`:
   * 32 bytes each, the first at stored index `firstIndex`), only if the tree still has
   * `fromSize` leaves; answers false when another process grew it first.
   */
  tlogExtend(log: TlogKeys, fromSize: number, toSize: number, firstIndex: number, hashes: Buffer): Promise<boolean>;
  /** Keeps a checkpoint record for `size`; false when one for that size is kept already. */
  tlogAddCheckpoint(log: TlogKeys, size: number, record: string): Promise<boolean>;
  /** Kept checkpoint records with sizes in [min, max], by size (descending with `newestFirst`). */
  tlogCheckpoints(log: TlogKeys, range: { min?: number; max?: number; count: number; newestFirst?: boolean }): Promise<TlogCheckpointRecord[]>;
  /**
   * Removes the leaves below `before` (after they were archived), the tree strings wholly
   * below stored index `firstKeptHash`, and checkpoints below `before`; keeps `pins` (the
   * frontier of `before`, by stored index) for the proofs that still need them.
   */
  tlogTrim(log: TlogKeys, before: number, firstKeptHash: number, pins: Map<number, Buffer>): Promise<boolean>;
  /** Deletes `key` only while it holds `value` (releasing a lease). */
  delIfEquals(key: string, value: string): Promise<boolean>;
}
