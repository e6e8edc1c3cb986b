import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { signWebhook, verifyWebhookSignature } from '../../src/delivery/index.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test_0123456789';
  const body = '{"type":"impersonation.started","id":"e1"}';
  const now = new Date('2030-01-01T12:00:00Z');

  test('the header is t=<unix>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const header = signWebhook(secret, body, now);
    const t = String(now.getTime() / 1000);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    assert.equal(header, `t=${t},v1=${expected}`);
  });

  test('a genuine signature verifies, for a string or the raw bytes', () => {
    const header = signWebhook(secret, body, now);
    assert.equal(verifyWebhookSignature(secret, header, body, 300, now), true);
    assert.equal(verifyWebhookSignature(secret, header, Buffer.from(body), 300, now), true);
  });

  test('a changed body, another secret, or a missing header is refused', () => {
    const header = signWebhook(secret, body, now);
    assert.equal(verifyWebhookSignature(secret, header, body.replace('e1', 'e2'), 300, now), false);
    assert.equal(verifyWebhookSignature('another-secret', header, body, 300, now), false);
    assert.equal(verifyWebhookSignature(secret, undefined, body, 300, now), false);
    assert.equal(verifyWebhookSignature(secret, '', body, 300, now), false);
  });

  test('a timestamp outside the tolerance is refused, either way', () => {
    const header = signWebhook(secret, body, now);
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    assert.equal(verifyWebhookSignature(secret, header, body, 300, later(300)), true);
    assert.equal(verifyWebhookSignature(secret, header, body, 300, later(301)), false);
    assert.equal(verifyWebhookSignature(secret, header, body, 300, later(-301)), false);
    assert.equal(verifyWebhookSignature(secret, header, body, 60, later(61)), false);
  });

  test('a re-stamped header (new t, old v1) is refused', () => {
    const header = signWebhook(secret, body, now);
    const v1 = header.split(',v1=')[1];
    const t = now.getTime() / 1000 + 100;
    assert.equal(verifyWebhookSignature(secret, `t=${t},v1=${v1}`, body, 300, now), false);
  });

  test('malformed headers are refused without throwing', () => {
    for (const header of ['t=abc,v1=00', 'v1=' + 'a'.repeat(64), 't=1', 'garbage', 't=,v1=', `t=${now.getTime() / 1000},v1=zz`]) {
      assert.equal(verifyWebhookSignature(secret, header, body, 300, now), false, header);
    }
  });

  test('one valid v1 among several (secret rotation) verifies', () => {
    const header = signWebhook(secret, body, now);
    const [t, v1] = header.split(',');
    assert.equal(verifyWebhookSignature(secret, `${t},v1=${'0'.repeat(64)},${v1}`, body, 300, now), true);
  });
});
