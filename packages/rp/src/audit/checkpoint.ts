/**
 * Gatehouse's audit checkpoints are C2SP tlog-checkpoints in C2SP signed notes, signed
 * with Ed25519 (signature type 0x01). Verified here with WebCrypto and the log's verifier
 * key (`GET /audit/logs/<log>/vkey`), which you should pin rather than fetch.
 */
import { equalBytes, fromBase64, sha256, toHex, utf8 } from './bytes.js';
import { AuditVerificationError } from './errors.js';

export interface VerifiedCheckpoint {
  /** The log's origin, e.g. `id.example.com/audit/acme`. */
  origin: string;
  size: number;
  /** RFC 9162 root hash. */
  root: Uint8Array;
  /** The note as given (keep it: it is what a later consistency check starts from). */
  note: string;
}

function bad(message: string): never {
  throw new AuditVerificationError('bad_checkpoint', message);
}

/**
 * Verifies a checkpoint note with a verifier key `<origin>+<key id>+<base64(0x01 || key)>`:
 * the key's name must be the checkpoint's origin, and one signature line by that key
 * must verify.
 *
 * @example
 * const checkpoint = await verifyCheckpoint(note, 'id.example.com/audit/acme+1a2b3c4d+AR…');
 */
export async function verifyCheckpoint(note: string, verifierKey: string): Promise<VerifiedCheckpoint> {
  const vkey = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(verifierKey.trim()) ?? bad('not a verifier key (name+keyid+key)');
  const [, name, keyId, encoded] = vkey as unknown as [string, string, string, string];
  const keyBytes = fromBase64(encoded);
  if (keyBytes.length !== 33 || keyBytes[0] !== 0x01) bad('the verifier key is not an Ed25519 key');
  const publicKey = keyBytes.subarray(1);
  const expectedId = (await sha256(utf8(name), Uint8Array.of(0x0a, 0x01), publicKey)).subarray(0, 4);
  if (toHex(expectedId) !== keyId) bad('the verifier key ID does not match its name and key');

  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) bad('not a signed note');
  const text = note.slice(0, split + 1);
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  let signed = false;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line) ?? bad('a signature line is malformed');
    const blob = fromBase64(match[2]!);
    if (match[1] !== name || !equalBytes(blob.subarray(0, 4), expectedId)) continue;
    if (blob.length !== 68 || !(await crypto.subtle.verify({ name: 'Ed25519' }, key, blob.subarray(4), utf8(text)))) {
      bad(`the signature by ${name} does not verify`);
    }
    signed = true;
  }
  if (!signed) bad(`the checkpoint carries no signature by ${name}`);

  const body = /^([^\n]+)\n(0|[1-9][0-9]{0,15})\n([A-Za-z0-9+/]{43}=)\n$/.exec(text) ?? bad('not a checkpoint (origin, size, root hash)');
  if (body[1] !== name) bad(`the checkpoint is of ${body[1]}, not ${name}`);
  return { origin: body[1]!, size: Number(body[2]), root: fromBase64(body[3]!), note };
}
