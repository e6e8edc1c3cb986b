/**
 * Where each hash of the tree is stored: a dense linear order in which hashes are
 * written as leaves are appended (the order of Go's golang.org/x/mod/sumdb/tlog). Leaf n's
 * hash is written, then the hashes of the subtrees leaf n completes, lowest first; so a
 * log of n leaves has written exactly `storedHashCount(n)` hashes, and appending is
 * always an append to that sequence.
 *
 * Level L holds subtrees of 2^L leaves; the k-th of them covers leaves [k·2^L, (k+1)·2^L).
 * Indexes stay below 2^53 for any log that fits in Redis, so plain numbers suffice.
 */
export function storedHashIndex(level: number, k: number): number {
  // Level L's k-th hash is written right after level L+1's (2k+1)-th leaf-side hash:
  // walk down to the level-0 order, then count the hashes written before it.
  let n = k;
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let index = 0;
  for (let m = n; m > 0; m = Math.floor(m / 2)) index += m;
  return index + level;
}

/** How many hashes a tree of `n` leaves has stored: the leaf hashes and every completed subtree's. */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let count = storedHashIndex(0, n - 1) + 1;
  // Leaf n-1 completes one subtree per trailing 1 bit of n-1.
  for (let m = n - 1; m % 2 === 1; m = Math.floor(m / 2)) count++;
  return count;
}

/**
 * The complete subtrees whose hashes make up a tree of `size` leaves, largest (leftmost)
 * first: one per set bit of `size` (its "compact range" or right frontier). Their
 * hashes, folded right to left, give the root; they are also all that appending needs.
 */
export function frontierSubtrees(size: number): Array<{ level: number; k: number; start: number }> {
  const out: Array<{ level: number; k: number; start: number }> = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      out.push({ level, k: start / width, start });
      start += width;
    }
  }
  return out;
}
