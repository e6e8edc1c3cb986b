/**
 * The Merkle tree math (src/audit/merkle) against known answers — the RFC 6962 test
 * vectors and real proofs of Google's Argon 2020 CT log — and, for every tree up to 70
 * leaves, against itself: every proof it makes verifies, and every tampered proof fails.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  EMPTY_ROOT,
  Frontier,
  type Hash,
  leafHash,
  proveConsistency,
  proveInclusion,
  storedHashCount,
  storedHashIndex,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle/index.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/rfc6962.json', import.meta.url), 'utf8'));
const argon = JSON.parse(readFileSync(new URL('./vectors/argon2020.json', import.meta.url), 'utf8'));
const hex = (h: string) => Buffer.from(h, 'hex');
const b64 = (h: string) => Buffer.from(h, 'base64');

/** A tree kept as its stored hashes, as the store keeps it. */
function buildTree(leaves: Array<Uint8Array | string>) {
  const stored: Hash[] = [];
  const frontier = new Frontier();
  const roots: Hash[] = [EMPTY_ROOT];
  for (const data of leaves) {
    stored.push(...frontier.push(leafHash(data)));
    roots.push(frontier.root());
  }
  const read = async (indexes: number[]) => indexes.map((i) => stored[i]!);
  return { stored, roots, read };
}

const flip = (h: Hash) => {
  const copy = Buffer.from(h);
  copy[7]! ^= 1;
  return copy;
};

describe('RFC 9162 Merkle tree', () => {
  const leaves = (vectors.leaves as string[]).map(hex);
  const tree = buildTree(leaves);

  test('roots of the RFC 6962 vectors, streamed and from stored hashes', async () => {
    assert.equal(EMPTY_ROOT.toString('hex'), vectors.emptyRoot);
    for (let n = 1; n <= 8; n++) {
      assert.equal(tree.roots[n]!.toString('hex'), vectors.roots[n - 1], `streamed root of ${n}`);
      assert.equal((await treeRoot(n, tree.read)).toString('hex'), vectors.roots[n - 1], `stored root of ${n}`);
    }
  });

  test('inclusion and consistency proofs equal the RFC 6962 vectors and verify', async () => {
    for (const { index, size, proof } of vectors.inclusion) {
      const made = await proveInclusion(index, size, tree.read);
      assert.deepEqual(made.map((h) => h.toString('hex')), proof);
      assert.ok(verifyInclusion(index, size, leafHash(leaves[index]!), proof.map(hex), hex(vectors.roots[size - 1])));
      assert.ok(!verifyInclusion(index - 1, size, leafHash(leaves[index]!), proof.map(hex), hex(vectors.roots[size - 1])));
    }
    for (const { first, second, proof } of vectors.consistency) {
      const made = await proveConsistency(first, second, tree.read);
      assert.deepEqual(made.map((h) => h.toString('hex')), proof);
      assert.ok(verifyConsistency(first, second, hex(vectors.roots[first - 1]), hex(vectors.roots[second - 1]), proof.map(hex)));
      assert.ok(!verifyConsistency(first, second, hex(vectors.roots[first - 2]), hex(vectors.roots[second - 1]), proof.map(hex)));
    }
  });

  test("a real Certificate Transparency log's proofs verify (Argon 2020, 961,984,013 leaves)", () => {
    const root = b64(argon.rootHash);
    const leaf = leafHash(b64(argon.leafInput));
    assert.ok(verifyInclusion(argon.leafIndex, argon.treeSize, leaf, argon.auditPath.map(b64), root));
    assert.ok(!verifyInclusion(argon.leafIndex + 1, argon.treeSize, leaf, argon.auditPath.map(b64), root));
    assert.ok(verifyConsistency(argon.consistencyFirst, argon.treeSize, b64(argon.consistencyFirstRoot), root, argon.consistency.map(b64)));
    assert.ok(!verifyConsistency(argon.consistencyFirst + 1, argon.treeSize, b64(argon.consistencyFirstRoot), root, argon.consistency.map(b64)));
  });

  test('stored hash order: counts and positions agree with what appending writes', () => {
    const big = buildTree(Array.from({ length: 300 }, (_, i) => `leaf ${i}`));
    for (let n = 0; n <= 300; n++) assert.equal(storedHashCount(n), buildTree(Array.from({ length: n }, (_, i) => `leaf ${i}`)).stored.length);
    for (let n = 0; n < 300; n++) assert.ok(big.stored[storedHashIndex(0, n)]!.equals(leafHash(`leaf ${n}`)));
    // The root of a complete tree of 256 leaves is stored at level 8.
    assert.ok(big.stored[storedHashIndex(8, 0)]!.equals(big.roots[256]!));
  });

  test('every proof of every tree up to 70 leaves verifies, and no tampered one does', async () => {
    const data = Array.from({ length: 71 }, (_, i) => `event ${i}`);
    const { roots, read } = buildTree(data);
    for (let size = 1; size <= 70; size++) {
      const root = roots[size]!;
      for (let index = 0; index < size; index++) {
        const leaf = leafHash(data[index]!);
        const proof = await proveInclusion(index, size, read);
        assert.ok(verifyInclusion(index, size, leaf, proof, root), `inclusion ${index} in ${size}`);
        assert.ok(!verifyInclusion(index, size, leafHash(`${data[index]}!`), proof, root), 'another leaf');
        if (size > 1) assert.ok(!verifyInclusion((index + 1) % size, size, leaf, proof, root), 'another position');
        assert.ok(!verifyInclusion(index, size + 1, leaf, proof, roots[size + 1]!), 'the next tree');
        for (let i = 0; i < proof.length; i++) {
          assert.ok(!verifyInclusion(index, size, leaf, proof.map((h, j) => (j === i ? flip(h) : h)), root), 'a changed hash');
        }
        if (proof.length > 0) assert.ok(!verifyInclusion(index, size, leaf, proof.slice(0, -1), root), 'a short proof');
        assert.ok(!verifyInclusion(index, size, leaf, [...proof, root], root), 'a long proof');
      }
      for (let first = 0; first <= size; first++) {
        const proof = await proveConsistency(first, size, read);
        assert.ok(verifyConsistency(first, size, roots[first]!, root, proof), `consistency ${first} → ${size}`);
        if (first > 0 && first < size) {
          assert.ok(!verifyConsistency(first, size, flip(roots[first]!), root, proof), 'another old root');
          assert.ok(!verifyConsistency(first, size, roots[first]!, flip(root), proof), 'another new root');
          assert.ok(!verifyConsistency(first - 1, size, roots[first - 1]!, root, proof) || proof.length === 0, 'another old size');
          for (let i = 0; i < proof.length; i++) {
            assert.ok(!verifyConsistency(first, size, roots[first]!, root, proof.map((h, j) => (j === i ? flip(h) : h))), 'a changed hash');
          }
          assert.ok(!verifyConsistency(first, size, roots[first]!, root, proof.slice(0, -1)), 'a short proof');
        }
      }
      // A rewritten history: same size, different leaves, is not consistent.
      if (size > 1) {
        const other = buildTree(data.slice(0, size).map((d, i) => (i === 0 ? `${d} (rewritten)` : d)));
        const proof = await proveConsistency(size - 1, size, read);
        assert.ok(!verifyConsistency(size - 1, size, other.roots[size - 1]!, root, proof));
      }
    }
  });

  test('proofs are refused for positions outside the tree', async () => {
    const { read } = buildTree(['a', 'b', 'c']);
    await assert.rejects(proveInclusion(3, 3, read), RangeError);
    await assert.rejects(proveInclusion(-1, 3, read), RangeError);
    await assert.rejects(proveConsistency(4, 3, read), RangeError);
    assert.ok(!verifyInclusion(0, 0, leafHash('a'), [], EMPTY_ROOT));
  });
});
