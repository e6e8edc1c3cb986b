/**
 * Secrets never reach logs (CONVENTIONS "Log with pino"): whatever a line carries, the value
 * of a credential, ticket, authorization code, cookie or `*_token` key within three levels is
 * `[redacted]`, in child bindings too, and the object the caller logged is left as it was.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, REDACTED } from '../src/log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

describe('logs redact secrets', () => {
  it('at the top level, nested, in arrays and under headers, leaving the rest and the caller object alone', () => {
    const { logger, lines } = capture();
    const logged = {
      password: 'hunter2',
      client_secret: 'cs',
      actor_token: 'at',
      ticket: 'tk',
      method: 'POST',
      body: { code: 'authz-code', subject_token: 'st', grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange' },
      req: { headers: { authorization: 'Basic abc', cookie: 'gh=1', 'user-agent': 'curl' } },
      clients: [{ clientId: 'acme-app', secret: 's3' }],
    };
    const before = JSON.stringify(logged);
    logger.info(logged, 'request');
    assert.equal(JSON.stringify(logged), before, 'the caller object is unchanged');
    const line = lines[0] as typeof logged;
    assert.equal(line.password, REDACTED);
    assert.equal(line.client_secret, REDACTED);
    assert.equal(line.actor_token, REDACTED);
    assert.equal(line.ticket, REDACTED);
    assert.equal(line.method, 'POST');
    assert.deepEqual(line.body, { code: REDACTED, subject_token: REDACTED, grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange' });
    assert.deepEqual(line.req.headers, { authorization: REDACTED, cookie: REDACTED, 'user-agent': 'curl' });
    assert.deepEqual(line.clients, [{ clientId: 'acme-app', secret: REDACTED }]);
    for (const secret of ['hunter2', 'authz-code', 'Basic abc', 'gh=1', 's3', '"cs"', '"at"', '"tk"', '"st"']) {
      assert.doesNotMatch(JSON.stringify(line), new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `${secret} is not in the line`);
    }
  });

  it('in child bindings, and on every line of the child', () => {
    const { logger, lines } = capture();
    const child = logger.child({ requestId: 'r1', refresh_token: 'rt' });
    child.warn({ access_token: 'xyz' }, 'refused');
    assert.equal(lines[0]?.requestId, 'r1');
    assert.equal(lines[0]?.refresh_token, REDACTED);
    assert.equal(lines[0]?.access_token, REDACTED);
  });

  it('leaves errors to the error serializer (an errno code is not a secret)', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    logger.error({ err }, 'store unreachable');
    assert.equal((lines[0]?.err as { code?: string } | undefined)?.code, 'ECONNREFUSED');
  });
});
