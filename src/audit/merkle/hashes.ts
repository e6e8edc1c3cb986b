import { createHash } from 'node:crypto';

/** A SHA-256 value: every leaf and node of the tree is one (RFC 9162 §2.1.1). */
export type Hash = Buffer;
export const HASH_SIZE = 32;

/** RFC 9162 §2.1.1: MTH({}) = SHA-256(), the root of the empty tree. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** RFC 9162 §2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0)). The 0x00 keeps a leaf from posing as a node. */
export function leafHash(data: Uint8Array | string): Hash {
  return createHash('sha256').update(Buffer.of(0)).update(data).digest();
}

/** RFC 9162 §2.1.1: an interior node is SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** The largest power of two smaller than `n` (n > 1): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Whether [lo, hi) is one complete subtree of a tree that grows from index 0: 2^h leaves starting at a multiple of 2^h. */
export function isAlignedSubtree(lo: number, hi: number): boolean {
  const width = hi - lo;
  return width > 0 && isPowerOfTwo(width) && lo % width === 0;
}

/** Arithmetic, not bit operations: JavaScript's `&` would cut sizes to 32 bits. */
export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}

/** log2 of a power of two. */
export function levelOf(width: number): number {
  let level = 0;
  while (2 ** level < width) level++;
  return level;
}
