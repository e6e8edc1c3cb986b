/**
 * The Merkle tree of the audit logs: RFC 9162 §2.1 hashing, the stored-hash order, proofs
 * and their checks. Framework-free and storage-free: the callers read and write hashes.
 */
export { EMPTY_ROOT, HASH_SIZE, type Hash, leafHash, nodeHash } from './hashes.js';
export { Frontier } from './frontier.js';
export { type HashReader, proveConsistency, proveInclusion, treeRoot } from './proofs.js';
export { frontierSubtrees, storedHashCount, storedHashIndex } from './stored-index.js';
export { rootFromInclusion, verifyConsistency, verifyInclusion } from './verify.js';
