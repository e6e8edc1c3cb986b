/**
 * RFC 9162 §2.1 for verifiers: leaf and node hashes, and the checks of inclusion
 * (§2.1.3.2) and consistency (§2.1.4.2) proofs. Arithmetic, not bit operations, so sizes
 * beyond 2^31 work. (Gatehouse's server has its own copy; the kit imports no server code.)
 */
import { equalBytes, sha256, utf8 } from './bytes.js';

/** RFC 9162: SHA-256(0x00 || data). */
export const leafHash = (data: string | Uint8Array): Promise<Uint8Array> =>
  sha256(Uint8Array.of(0), typeof data === 'string' ? utf8(data) : data);
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Uint8Array.of(1), left, right);
const odd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);
const safe = (...n: number[]) => n.every((x) => Number.isSafeInteger(x) && x >= 0);

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}

/** Whether `leaf` (its hash) is entry `index` of the tree of `size` entries with root `root`. */
export async function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (!safe(index, size) || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(r, root);
}

/** Whether the tree (second, secondRoot) extends the tree (first, firstRoot). */
export async function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): Promise<boolean> {
  if (!safe(first, second) || first > second) return false;
  if (first === second) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0 && equalBytes(firstRoot, await sha256());
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}
