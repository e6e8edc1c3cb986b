/**
 * How audit leaves rest in Redis (PROTOCOL §6: private to the store). A leaf is the
 * canonical JSON of an event; Redis keeps it deflated against a preset dictionary of the
 * event vocabulary, a third of its size (506 → about 170 bytes for a ticket's event).
 * Nothing else changes: reads answer the same canonical JSON, so leaf hashes, proofs,
 * checkpoints, exports and the tenant API are byte for byte what they were.
 *
 * The stored form is versioned by its first byte. Canonical JSON always starts with `{`,
 * so a leaf written before compression (version 0) still reads as it is; version 1 is the
 * byte 0x01 then raw deflate (RFC 1951) with DICTIONARY_V1. A dictionary is frozen once
 * leaves are written with it: a better one is a new version byte, never an edit.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const V1 = 0x01;
const PLAIN = 0x7b; // `{`

/**
 * Version 1's dictionary: the shapes of the events Gatehouse writes most, as canonical JSON
 * writes them (keys sorted), the commonest last (deflate reaches the end of a dictionary
 * with the shortest distances). Frozen: see above.
 */
const DICTIONARY_V1 = Buffer.from(
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/ Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/ Safari/537.36 Edg/',
    'Mozilla/5.0 (X11; Linux x86_64; rv:) Gecko/20100101 Firefox/',
    '"type":"support_access.requested","support_access.approved","support_access.used","support_access.expired","support_access.code_created"',
    '"type":"admin.login","admin.stepup","admin.passkey_registered","user.login","admin.disabled","user.disabled","admin.roles_changed"',
    '{"admin":"adm_","client":"support-console","details":{"acr":"phr","amr":"hwk user mfa"},"id":"","ip":"","outcome":"success","requestId":"","time":"20","type":"admin.stepup","userAgent":"Mozilla/5.0 (',
    '"details":{"accessRequest":"ar_","approvedBy":"adm_","by":"","decidedBy":"","duration":3600,"needsSecondAdmin":false,"needsUser":true,"scope":"openid profile email","via":"console","with":"passkey"}',
    '{"admin":"adm_","client":"","code":"","details":{"adminEmail":"","audience":"https://","endedBy":"system","via":""},"id":"","ip":"","outcome":"success","reason":"","requestId":"","sid":"imp_","tenant":"","time":"20","type":"impersonation.ended","user":"usr_","userAgent":"',
    '{"admin":"adm_","client":"","code":"ticket_replayed","id":"","ip":"","outcome":"failure","reason":"","requestId":"","sid":"imp_","tenant":"","time":"20","type":"impersonation.ticket_replayed","user":"usr_","userAgent":"',
    '{"admin":"adm_","client":"support-console","code":"","id":"","ip":"","outcome":"failure","reason":"","requestId":"","tenant":"","time":"20","type":"impersonation.denied","user":"usr_","userAgent":"',
    '{"admin":"adm_","client":"","details":{"adminEmail":"","audience":"https://","expiresAt":"20","userEmail":""},"id":"","ip":"","outcome":"success","reason":"","requestId":"","sid":"imp_","tenant":"","time":"20","type":"impersonation.started","user":"usr_","userAgent":"Mozilla/5.0 (',
    '{"admin":"adm_","client":"support-console","details":{"adminEmail":"","audience":"https://","duration":1800,"userEmail":"","viaAccessCode":false},"id":"","ip":"","outcome":"success","reason":"Ticket #","requestId":"","tenant":"","time":"20","type":"impersonation.ticket_issued","user":"usr_","userAgent":"Mozilla/5.0 (',
  ].join(''),
);

/**
 * Small window and state: a leaf is under 4 KiB and each call allocates its own. A 1 KiB
 * output chunk instead of zlib's 16 KiB default: one per call was most of an encode's
 * allocation (a compressed leaf is a few hundred bytes; a longer one takes more chunks).
 */
const OPTIONS = { dictionary: DICTIONARY_V1, level: 9, windowBits: 12, memLevel: 5, chunkSize: 1024 };

/** The resting form of a leaf (version 1). */
export function encodeLeaf(leaf: string): Buffer {
  const body = deflateRawSync(leaf, OPTIONS);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = V1;
  body.copy(out, 1);
  return out;
}

/** The canonical JSON of a stored leaf, whichever version rests. */
export function decodeLeaf(stored: Buffer): string {
  if (stored.length === 0 || stored[0] === PLAIN) return stored.toString('utf8');
  if (stored[0] === V1) return inflateRawSync(stored.subarray(1), { dictionary: DICTIONARY_V1, windowBits: OPTIONS.windowBits, chunkSize: 4096 }).toString('utf8');
  throw new Error(`audit leaf stored in an unknown format (${stored[0]})`);
}
