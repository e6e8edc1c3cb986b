/**
 * Gatehouse's audit checkpoints are C2SP tlog-checkpoints in C2SP signed notes, signed
 * with Ed25519 (signature type 0x01). Verified here with node:crypto and the log's
 * verifier key (`GET /audit/logs/<log>/vkey`), which you should pin rather than fetch.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { AuditVerificationError } from './errors.js';

export interface VerifiedCheckpoint {
  /** The log's origin, e.g. `id.example.com/audit/acme`. */
  origin: string;
  size: number;
  /** RFC 9162 root hash. */
  root: Buffer;
  /** The note as given (keep it: it is what a later consistency check starts from). */
  note: string;
}

const bad = (message: string): never => {
  throw new AuditVerificationError('bad_checkpoint', message);
};

/**
 * Verifies a checkpoint note with a verifier key `<origin>+<key id>+<base64(0x01 || key)>`:
 * the key's name must be the checkpoint's origin, and one signature line by that key
 * must verify.
 *
 * @example
 * const checkpoint = verifyCheckpoint(note, 'id.example.com/audit/acme+1a2b3c4d+AR…');
 */
export function verifyCheckpoint(note: string, verifierKey: string): VerifiedCheckpoint {
  const vkey = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(verifierKey.trim()) ?? bad('not a verifier key (name+keyid+key)');
  const [, name, keyId, encoded] = vkey as unknown as [string, string, string, string];
  const keyBytes = Buffer.from(encoded, 'base64');
  if (keyBytes.length !== 33 || keyBytes[0] !== 0x01) bad('the verifier key is not an Ed25519 key');
  const publicKey = keyBytes.subarray(1);
  const expectedId = createHash('sha256').update(name).update(Buffer.of(0x0a, 0x01)).update(publicKey).digest().subarray(0, 4);
  if (expectedId.toString('hex') !== keyId) bad('the verifier key ID does not match its name and key');

  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) bad('not a signed note');
  const text = note.slice(0, split + 1);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') }, format: 'jwk' });
  let signed = false;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line) ?? bad('a signature line is malformed');
    const blob = Buffer.from(match[2]!, 'base64');
    if (match[1] !== name || !blob.subarray(0, 4).equals(expectedId)) continue;
    if (blob.length !== 68 || !verify(null, Buffer.from(text, 'utf8'), key, blob.subarray(4))) bad(`the signature by ${name} does not verify`);
    signed = true;
  }
  if (!signed) bad(`the checkpoint carries no signature by ${name}`);

  const body = /^([^\n]+)\n(0|[1-9][0-9]{0,15})\n([A-Za-z0-9+/]{43}=)\n$/.exec(text) ?? bad('not a checkpoint (origin, size, root hash)');
  if (body[1] !== name) bad(`the checkpoint is of ${body[1]}, not ${name}`);
  return { origin: body[1]!, size: Number(body[2]), root: Buffer.from(body[3]!, 'base64'), note };
}
