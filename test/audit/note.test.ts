/**
 * C2SP signed notes and checkpoints (src/audit/note): the reference example of Go's
 * golang.org/x/mod/sumdb/note reproduced byte for byte (Ed25519 is deterministic), and a
 * note refused for every kind of damage.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { AuditError } from '../../src/audit/errors.js';
import { formatCheckpoint, parseCheckpoint } from '../../src/audit/note/checkpoint.js';
import {
  ed25519Signer,
  formatVerifierKey,
  openNote,
  parseVerifierKey,
  rawEd25519PublicKey,
  signNote,
} from '../../src/audit/note/signed-note.js';

const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const SKEY_SEED = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 || seed, from PRIVATE+KEY+PeterNeumann+c74f20a3+…
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NOTE = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AuditError, String(error));
    return error.code;
  }
  return 'accepted';
};

describe('C2SP signed-note', () => {
  const seed = Buffer.from(SKEY_SEED, 'base64').subarray(1);
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });

  test("the Go reference note: same key ID, verifier key and signature", () => {
    const signer = ed25519Signer('PeterNeumann', privateKey);
    assert.equal(signer.keyId.toString('hex'), 'c74f20a3');
    assert.equal(formatVerifierKey('PeterNeumann', rawEd25519PublicKey(privateKey)), VKEY);
    assert.equal(signNote(TEXT, signer), NOTE);
    assert.equal(openNote(NOTE, parseVerifierKey(VKEY)), TEXT);
  });

  test('damage of every kind is refused with its code', () => {
    const verifier = parseVerifierKey(VKEY);
    assert.equal(code(() => openNote(NOTE.replace('cryptography', 'cryptographY'), verifier)), 'note_bad_signature');
    assert.equal(code(() => openNote(NOTE.replace('PeterNeumann x08', 'PeterNeumann y08'), verifier)), 'note_unknown_key');
    assert.equal(code(() => openNote(NOTE.replace('\u2014 ', '-- '), verifier)), 'note_malformed');
    assert.equal(code(() => openNote(TEXT, verifier)), 'note_malformed');
    assert.equal(code(() => openNote(NOTE.slice(0, -1), verifier)), 'note_malformed');
    // Another key under the same name is not this one.
    const other = ed25519Signer('PeterNeumann', generateKeyPairSync('ed25519').privateKey);
    assert.equal(code(() => openNote(signNote(TEXT, other), verifier)), 'note_unknown_key');
    // A cosignature by an unknown key is ignored, not fatal.
    const cosigned = `${NOTE}${signNote(TEXT, ed25519Signer('Witness', generateKeyPairSync('ed25519').privateKey)).slice(TEXT.length + 1)}`;
    assert.equal(openNote(cosigned, verifier), TEXT);
    for (const bad of ['PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'PeterNeumann+c74f20a3+AhpdQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'nope']) {
      assert.equal(code(() => parseVerifierKey(bad)), 'note_malformed', bad);
    }
    assert.equal(code(() => signNote('no newline', ed25519Signer('x', privateKey))), 'note_malformed');
    assert.equal(code(() => signNote('blank\n\nline\n', ed25519Signer('x', privateKey))), 'note_malformed');
  });

  test('checkpoints: origin, size and base64 root, nothing else', () => {
    const root = Buffer.alloc(32, 7);
    const text = formatCheckpoint({ origin: 'id.example.com/audit/acme', size: 1018, root });
    assert.equal(text, `id.example.com/audit/acme\n1018\n${root.toString('base64')}\n`);
    assert.deepEqual(parseCheckpoint(text), { origin: 'id.example.com/audit/acme', size: 1018, root });
    for (const bad of [text.replace('1018', '01018'), text.replace('1018', '-1'), `${text}extra\n`, text.slice(0, -1), text.replace(/\n[^\n]+\n$/, '\nshort=\n')]) {
      assert.equal(code(() => parseCheckpoint(bad)), 'checkpoint_malformed', JSON.stringify(bad));
    }
  });
});
