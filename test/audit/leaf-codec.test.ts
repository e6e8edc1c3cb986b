/**
 * How leaves rest in Redis (src/store/leaf-codec.ts): compressed, versioned by the first
 * byte, and always read back as the exact canonical JSON that was appended, whatever it
 * holds; leaves stored before compression (plain JSON) read as they are.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { leafOf } from '../../src/audit/hash.js';
import { decodeLeaf, encodeLeaf } from '../../src/store/leaf-codec.js';

const ticketIssued = () =>
  leafOf({
    id: randomUUID(),
    time: new Date().toISOString(),
    type: 'impersonation.ticket_issued',
    outcome: 'success',
    admin: 'adm_Zk3q9P2xL7mN4vB8wQ1e',
    user: 'usr_7hJ2kL9mN3pQ5rS8tU4v',
    tenant: 'acme',
    client: 'support-console',
    reason: 'Ticket #4521: customer cannot see invoices',
    requestId: randomUUID(),
    ip: '203.0.113.9',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    details: { audience: 'https://app.acme.com', duration: 1800, viaAccessCode: false, adminEmail: 'alice@gatehouse.test', userEmail: 'bob@acme.test' },
  });

describe('audit leaves at rest', () => {
  test('a ticket event rests in well under half its size and reads back byte for byte', () => {
    const leaf = ticketIssued();
    const stored = encodeLeaf(leaf);
    assert.equal(stored[0], 0x01, 'format 1');
    assert.ok(stored.length < leaf.length / 2, `${leaf.length} → ${stored.length} bytes`);
    assert.equal(decodeLeaf(stored), leaf);
  });

  test('any text reads back exactly (quotes, escapes, emoji, other scripts)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 600 }), fc.string({ maxLength: 40 }), (reason, user) => {
        const leaf = leafOf({ id: 'x', time: '2026-01-01T00:00:00.000Z', type: 'impersonation.started', outcome: 'success', reason, user: user || 'u' });
        assert.equal(decodeLeaf(encodeLeaf(leaf)), leaf);
      }),
      { numRuns: 300 },
    );
  });

  test('a leaf stored before compression (plain canonical JSON) reads as it is', () => {
    const leaf = ticketIssued();
    assert.equal(decodeLeaf(Buffer.from(leaf)), leaf);
  });

  test('an unknown stored format is an error, never a guess', () => {
    assert.throws(() => decodeLeaf(Buffer.from([0x02, 1, 2, 3])), /unknown format/);
  });
});
