/**
 * The RP kit's audit verification (src/rp/audit), which carries its own copy of the
 * Merkle checks and the signed-note parsing: held to the same known answers as the
 * server's (RFC 6962 vectors, Certificate Transparency's Argon 2020 proofs) and to the
 * server's own checkpoints and proofs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type AuditEvent, checkpointKey, leafOf } from '../../src/audit/index.js';
import { Frontier, leafHash, proveConsistency, proveInclusion, type Hash } from '../../src/audit/merkle/index.js';
import { formatCheckpoint } from '../../src/audit/note/checkpoint.js';
import { generateAuditKey } from '../../src/keys/index.js';
import {
  type AuditLogEvent,
  AuditVerificationError,
  auditLeafHash,
  verifyAuditConsistency,
  verifyAuditEntries,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/rp/index.js';

const vectors = JSON.parse(readFileSync(new URL('../audit/vectors/rfc6962.json', import.meta.url), 'utf8'));
const argon = JSON.parse(readFileSync(new URL('../audit/vectors/argon2020.json', import.meta.url), 'utf8'));
const hex = (h: string) => Buffer.from(h, 'hex');
const b64 = (h: string) => Buffer.from(h, 'base64');
const code = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
    return 'accepted';
  } catch (error) {
    assert.ok(error instanceof AuditVerificationError, String(error));
    return error.code;
  }
};

describe('RP kit: audit log verification', () => {
  test('Merkle checks agree with the RFC 6962 vectors and a real CT log', async () => {
    const leaves = (vectors.leaves as string[]).map(hex);
    for (const { index, size, proof } of vectors.inclusion) {
      assert.ok(await verifyInclusion(index, size, leafHash(leaves[index]!), proof.map(hex), hex(vectors.roots[size - 1])));
      assert.ok(!(await verifyInclusion(index, size, leafHash(leaves[index === 0 ? 1 : 0]!), proof.map(hex), hex(vectors.roots[size - 1]))));
    }
    for (const { first, second, proof } of vectors.consistency) {
      assert.ok(await verifyConsistency(first, second, hex(vectors.roots[first - 1]), hex(vectors.roots[second - 1]), proof.map(hex)));
      assert.ok(!(await verifyConsistency(first, second, hex(vectors.roots[first - 1]), hex(vectors.roots[second - 2]), proof.map(hex))));
    }
    const root = b64(argon.rootHash);
    assert.ok(await verifyInclusion(argon.leafIndex, argon.treeSize, leafHash(b64(argon.leafInput)), argon.auditPath.map(b64), root));
    assert.ok(await verifyConsistency(argon.consistencyFirst, argon.treeSize, b64(argon.consistencyFirstRoot), root, argon.consistency.map(b64)));
  });

  test("the server's checkpoints, entries and proofs verify; altered ones do not", async () => {
    const key = checkpointKey(await generateAuditKey());
    const origin = 'id.example.com/audit/acme';
    const vkey = key.verifierKey(origin);
    const events: AuditLogEvent[] = Array.from({ length: 13 }, (_, index) => ({
      id: `e${index}`,
      time: `2030-01-01T00:00:${String(index).padStart(2, '0')}.000Z`,
      type: 'impersonation.started',
      outcome: 'success',
      tenant: 'acme',
      reason: `ticket ${index} — “quoted” ✓`,
      details: { seconds: 60 * index, viaAccessCode: index % 2 === 0 },
      log: 'acme',
      index,
    }));
    const stored: Hash[] = [];
    const frontier = new Frontier();
    const roots: Hash[] = [];
    for (const event of events) {
      assert.ok(Buffer.from(await auditLeafHash(event)).equals(leafHash(leafOf(event as AuditEvent))), "the kit's leaf is the server's");
      stored.push(...frontier.push(leafHash(leafOf(event as AuditEvent))));
      roots.push(frontier.root());
    }
    const read = async (indexes: number[]) => indexes.map((i) => stored[i]!);
    const note = (size: number) => key.sign(formatCheckpoint({ origin, size, root: roots[size - 1]! }), origin);
    const checkpoint = note(13);
    assert.equal((await verifyCheckpoint(checkpoint, vkey)).size, 13);
    const entries = await Promise.all(events.map(async (event) => ({ event, proof: (await proveInclusion(event.index, 13, read)).map((h) => h.toString('base64')) })));
    assert.equal((await verifyAuditEntries({ verifierKey: vkey, checkpoint, entries })).events.length, 13);

    const edited = entries.map((e, i) => (i === 4 ? { ...e, event: { ...e.event, reason: 'routine' } } : e));
    assert.equal(await code(() => verifyAuditEntries({ verifierKey: vkey, checkpoint, entries: edited })), 'bad_inclusion');
    const moved = entries.map((e, i) => (i === 4 ? { ...e, event: { ...e.event, index: 5 } } : e));
    assert.equal(await code(() => verifyAuditEntries({ verifierKey: vkey, checkpoint, entries: moved })), 'bad_inclusion');
    const otherLog = entries.map((e) => ({ ...e, event: { ...e.event, log: 'globex' } }));
    assert.equal(await code(() => verifyAuditEntries({ verifierKey: vkey, checkpoint, entries: otherLog })), 'bad_inclusion');
    assert.equal(await code(() => verifyCheckpoint(checkpoint.replace('\n13\n', '\n12\n'), vkey)), 'bad_checkpoint');
    assert.equal(await code(() => verifyCheckpoint(checkpoint, key.verifierKey('id.example.com/audit/globex'))), 'bad_checkpoint');
    const stranger = checkpointKey(await generateAuditKey());
    assert.equal(await code(() => verifyCheckpoint(stranger.sign(formatCheckpoint({ origin, size: 13, root: roots[12]! }), origin), vkey)), 'bad_checkpoint');
    assert.equal(await code(() => verifyCheckpoint(checkpoint, `${vkey.slice(0, -4)}AAA=`)), 'bad_checkpoint');

    const previous = note(6);
    const proof = (await proveConsistency(6, 13, read)).map((h) => h.toString('base64'));
    assert.equal((await verifyAuditConsistency({ verifierKey: vkey, previous, checkpoint, proof })).size, 13);
    const rewritten = key.sign(formatCheckpoint({ origin, size: 6, root: leafHash('another history') }), origin);
    assert.equal(await code(() => verifyAuditConsistency({ verifierKey: vkey, previous: rewritten, checkpoint, proof })), 'inconsistent');
  });
});
