/**
 * Housekeeping (issue 10): with no webhook configured there is nothing to deliver, so a
 * Redis outage must not fill the log with webhook queue and worker errors (only the
 * requests that needed Redis say anything).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

describe('no webhooks configured: the webhook queue stays quiet', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;

  before(async () => {
    redis = await startRedisServer();
    gh = await startGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.webhooks = [];
      },
    });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('logs no webhook errors while Redis is away, and lists no dead letters', async () => {
    await redis.stop();
    await sleep(3000);
    await redis.restart();
    await sleep(500);
    const webhookErrors = gh.logs.lines.filter((l) => l.includes('"component":"webhooks"') && /"level":(50|40)/.test(l));
    assert.deepEqual(webhookErrors, []);
    assert.deepEqual(await gh.gatehouse.services.notifier.deadLetters(), []);
  });
});
