/**
 * Inclusion and consistency proofs (RFC 9162 §2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF),
 * produced from stored subtree hashes: each proof needs O(log n) of them, read in one
 * batch through `HashReader`.
 */
import { EMPTY_ROOT, type Hash, isAlignedSubtree, levelOf, nodeHash, splitPoint } from './hashes.js';
import { storedHashIndex } from './stored-index.js';

/** Reads stored hashes by their stored index (stored-index.ts), in the order asked. */
export type HashReader = (storedIndexes: number[]) => Promise<Hash[]>;

/** A run of leaves [lo, hi) whose Merkle Tree Hash a proof carries. */
type Range = readonly [lo: number, hi: number];

/** RFC 9162 §2.1.3.1: PATH(m, D[lo:hi]), the sibling ranges from the leaf up. */
function pathRanges(m: number, lo: number, hi: number): Range[] {
  if (hi - lo <= 1) return [];
  const k = splitPoint(hi - lo);
  return m < lo + k
    ? [...pathRanges(m, lo, lo + k), [lo + k, hi]]
    : [...pathRanges(m, lo + k, hi), [lo, lo + k]];
}

/** RFC 9162 §2.1.4.1: SUBPROOF(m, D[lo:hi], b). */
function subproofRanges(m: number, lo: number, hi: number, complete: boolean): Range[] {
  const n = hi - lo;
  if (m === n) return complete ? [] : [[lo, hi]];
  const k = splitPoint(n);
  return m <= k
    ? [...subproofRanges(m, lo, lo + k, complete), [lo + k, hi]]
    : [...subproofRanges(m - k, lo + k, hi, false), [lo, lo + k]];
}

/** [lo, hi) as complete subtrees, largest first (lo is always aligned in proofs' ranges). */
function alignedParts(lo: number, hi: number): Array<{ level: number; k: number }> {
  if (isAlignedSubtree(lo, hi)) {
    const level = levelOf(hi - lo);
    return [{ level, k: lo / 2 ** level }];
  }
  const k = splitPoint(hi - lo);
  return [...alignedParts(lo, lo + k), ...alignedParts(lo + k, hi)];
}

/** The MTH of each range, from one batched read of the stored hashes they need. */
async function hashRanges(ranges: readonly Range[], read: HashReader): Promise<Hash[]> {
  const parts = ranges.map(([lo, hi]) => alignedParts(lo, hi));
  const indexes = [...new Set(parts.flat().map((p) => storedHashIndex(p.level, p.k)))];
  const hashes = await read(indexes);
  const byIndex = new Map(indexes.map((index, i) => [index, hashes[i]!]));
  return ranges.map(([lo, hi]) => {
    const fold = (a: number, b: number): Hash => {
      if (isAlignedSubtree(a, b)) {
        const level = levelOf(b - a);
        return byIndex.get(storedHashIndex(level, a / 2 ** level))!;
      }
      const k = splitPoint(b - a);
      return nodeHash(fold(a, a + k), fold(a + k, b));
    };
    return fold(lo, hi);
  });
}

/** The root of the first `size` leaves, from stored hashes. */
export async function treeRoot(size: number, read: HashReader): Promise<Hash> {
  if (size === 0) return EMPTY_ROOT;
  return (await hashRanges([[0, size]], read))[0]!;
}

/** RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the tree of `size` leaves. */
export async function proveInclusion(index: number, size: number, read: HashReader): Promise<Hash[]> {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  return hashRanges(pathRanges(index, 0, size), read);
}

/** RFC 9162 §2.1.4.1: the consistency proof from the tree of `first` leaves to that of `second`. */
export async function proveConsistency(first: number, second: number, read: HashReader): Promise<Hash[]> {
  if (!(first >= 0 && first <= second)) throw new RangeError(`no consistency proof from ${first} to ${second}`);
  // RFC 9162 defines the proof for 0 < first < second; the other cases need none.
  if (first === 0 || first === second) return [];
  return hashRanges(subproofRanges(first, 0, second, true), read);
}
