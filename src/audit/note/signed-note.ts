/**
 * C2SP signed-note (https://c2sp.org/signed-note): text, a blank line, and signature
 * lines `— <key name> <base64(key id || signature)>`. Ed25519 only (signature type 0x01),
 * the type Go's checksum database and the tlog ecosystem verify. node:crypto does the
 * signing; the relying-party kit verifies with its own copy of `openNote`.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { AuditError } from '../errors.js';

const ED25519 = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';

export interface NoteSigner {
  name: string;
  /** SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
  keyId: Buffer;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  verify(message: Buffer, signature: Buffer): boolean;
}

/** Key names are non-empty and hold neither Unicode spaces nor `+`. */
function assertName(name: string): void {
  if (name === '' || /[\s+]/u.test(name)) throw new AuditError('note_malformed', `"${name}" is not a valid note key name`);
}

/** signed-note: the key ID of an Ed25519 key, SHA-256(name || "\n" || 0x01 || key)[:4]. */
export function noteKeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256').update(name).update(Buffer.of(0x0a, ED25519)).update(publicKey).digest().subarray(0, 4);
}

/** The raw 32-byte public key of an Ed25519 KeyObject (public or private). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new AuditError('note_malformed', 'not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** A signer for notes under `name` with an Ed25519 private key. */
export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  assertName(name);
  const keyId = noteKeyId(name, rawEd25519PublicKey(privateKey));
  return { name, keyId, sign: (message) => sign(null, message, privateKey) };
}

/** A verifier for notes signed under `name` by the Ed25519 key `publicKey` (32 raw bytes). */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertName(name);
  if (publicKey.length !== 32) throw new AuditError('note_malformed', 'an Ed25519 public key is 32 bytes');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return {
    name,
    keyId: noteKeyId(name, publicKey),
    verify: (message, signature) => signature.length === 64 && verify(null, message, key, signature),
  };
}

/** The verifier key text `<name>+<hex key id>+<base64(0x01 || public key)>`, what verifiers are given. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  assertName(name);
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.of(ED25519), publicKey]).toString('base64')}`;
}

/** Parses a verifier key text, checking that its key ID matches its name and key. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim());
  if (!match) throw new AuditError('note_malformed', 'not a verifier key (name+keyid+key)');
  const [, name, id, key] = match as unknown as [string, string, string, string];
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 33 || bytes[0] !== ED25519 || bytes.toString('base64') !== key) {
    throw new AuditError('note_malformed', 'the verifier key is not an Ed25519 key');
  }
  const verifier = ed25519Verifier(name, bytes.subarray(1));
  if (verifier.keyId.toString('hex') !== id) throw new AuditError('note_malformed', 'the verifier key ID does not match its name and key');
  return verifier;
}

/** Signs `text` (non-empty, newline-terminated, no blank line) into a signed note. */
export function signNote(text: string, signer: NoteSigner): string {
  if (!text.endsWith('\n') || text.includes('\n\n') || text.length === 0) {
    throw new AuditError('note_malformed', 'note text must end with a newline and hold no blank line');
  }
  const signature = signer.sign(Buffer.from(text, 'utf8'));
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`;
}

/**
 * Verifies a signed note with one verifier and answers its text. Signatures by other
 * keys are ignored (signed-note allows cosignatures); a note with none by this key, or
 * a bad one, is refused.
 */
export function openNote(note: string, verifier: NoteVerifier): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n') || note.length > 1_000_000) throw new AuditError('note_malformed', 'not a signed note');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  let found = false;
  for (const line of lines) {
    const match = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
    if (!match) throw new AuditError('note_malformed', 'a signature line is malformed');
    const [, name, blob] = match as unknown as [string, string, string];
    const bytes = Buffer.from(blob, 'base64');
    if (bytes.length < 5) throw new AuditError('note_malformed', 'a signature line is malformed');
    if (name !== verifier.name || !bytes.subarray(0, 4).equals(verifier.keyId)) continue;
    if (!verifier.verify(Buffer.from(text, 'utf8'), bytes.subarray(4))) {
      throw new AuditError('note_bad_signature', `the signature by ${name} does not verify`);
    }
    found = true;
  }
  if (!found) throw new AuditError('note_unknown_key', `the note carries no signature by ${verifier.name}`);
  return text;
}
