import { EMPTY_ROOT, type Hash, nodeHash } from './hashes.js';
import { frontierSubtrees } from './stored-index.js';

/**
 * The right edge of a tree being grown one leaf at a time: one hash per complete
 * subtree, at most log2(n) of them. Enough to compute the root after every leaf and the
 * hashes that appending stores, in constant memory whatever the tree's size; this is
 * how `verify` streams a log and how the tree builder extends it.
 *
 * @example
 * const f = new Frontier();
 * for (const data of leaves) f.push(leafHash(data));
 * f.root(); // RFC 9162 MTH of every leaf pushed
 */
export class Frontier {
  private readonly stack: Array<{ level: number; hash: Hash }>;
  private count: number;

  /** Starts from a tree of `size` leaves given by its frontier hashes (largest subtree first). */
  constructor(size = 0, hashes: readonly Hash[] = []) {
    const subtrees = frontierSubtrees(size);
    if (subtrees.length !== hashes.length) throw new Error(`a tree of ${size} leaves has ${subtrees.length} frontier hashes, not ${hashes.length}`);
    this.stack = subtrees.map((s, i) => ({ level: s.level, hash: hashes[i]! }));
    this.count = size;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Adds the next leaf; answers the hashes this adds to the stored order (see
   * stored-index.ts): the leaf's own, then each subtree it completes, lowest first.
   */
  push(leaf: Hash): Hash[] {
    const written = [leaf];
    let top = { level: 0, hash: leaf };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level === top.level) {
      const left = this.stack.pop()!;
      top = { level: top.level + 1, hash: nodeHash(left.hash, top.hash) };
      written.push(top.hash);
    }
    this.stack.push(top);
    this.count++;
    return written;
  }

  /** RFC 9162 §2.1.1: the root, folding the frontier from the right. */
  root(): Hash {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let root = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) root = nodeHash(this.stack[i]!.hash, root);
    return root;
  }

  /** The frontier hashes, largest subtree first (what `new Frontier(size, hashes)` takes). */
  hashes(): Hash[] {
    return this.stack.map((s) => s.hash);
  }
}
