/**
 * Back-channel logout delivery that failed to start is started by the next `start()` (the
 * server calls it on each configuration change): a failed start must not be remembered for
 * the life of the process. The start fails here as it does in production when Redis refuses
 * BullMQ's INFO (an ACL without it); once the ACL allows it, the next start delivers.
 * Real Redis, real BullMQ, a real receiver over HTTP.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type BackchannelLogout, createBackchannelLogout } from '../../src/delivery/index.js';
import { createLogger } from '../../src/log.js';
import { LogCapture } from '../helpers/log-capture.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

describe('back-channel logout delivery whose start failed (real Redis, BullMQ)', () => {
  let redis: RedisServer;
  let receiver: Server;
  let logoutUri: string;
  let logouts: BackchannelLogout;
  const received: string[] = [];
  const logs = new LogCapture();
  // Synchronous on purpose: a BullMQ worker left behind by a failed start spins on its failed
  // connection and starves this event loop (the bug's worst effect), so nothing asynchronous
  // would run to show the failure.
  const acl = (rule: string) => {
    const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'ACL', 'SETUSER', 'default', rule], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.stdout.trim(), 'OK', run.stderr);
  };

  before(async () => {
    redis = await startRedisServer();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    logoutUri = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/logout`;
    logouts = createBackchannelLogout({
      queueConnection: { url: redis.url },
      prefix: `bcl-${process.pid}`,
      logger: createLogger('debug', logs),
      logoutUriOf: () => logoutUri,
      anyLogoutUri: () => true,
      findSession: async (sid) => ({ client: 'acme-app', user: `usr_of_${sid}` }),
      issue: async (_client, claims) => ({ uri: logoutUri, token: `token-for-${claims.sid}` }),
      attempts: 2,
      backoffMs: 100,
    });
  });
  after(async () => {
    await logouts?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    await redis?.stop();
  });

  it('refused at first; once Redis allows it, the next start delivers a queued logout', { timeout: 30_000 }, async () => {
    acl('-info');
    await assert.rejects(logouts.start(), /NOPERM/);
    acl('+info');
    await logouts.start();
    await logouts.notify({ id: 'evt-1', type: 'impersonation.ended', sid: 'sid-1' });
    const deadline = Date.now() + 15_000;
    while (!received.some((b) => b.includes('token-for-sid-1'))) {
      assert.ok(Date.now() < deadline, `no logout delivered: ${logs.text().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
