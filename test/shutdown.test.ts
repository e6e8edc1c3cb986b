/**
 * Shutting down while Redis is unreachable: the durable queues (webhooks, back-channel
 * logouts) must not wait for Redis to come back. A CI run once hung for 90 minutes in an
 * `after` hook that closed Gatehouse with Redis away, and the test process never exited.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startExchangeGatehouse } from './exchange/setup.js';
import { baseConfig, testKeys } from './helpers/gatehouse.js';
import { spawnGatehouse, writeConfig } from './helpers/gatehouse-process.js';
import { startRedisServer } from './helpers/redis-server.js';

describe('shutdown with Redis unreachable', () => {
  it('close() resolves (in process)', { timeout: 60_000 }, async () => {
    const redis = await startRedisServer();
    const gh = await startExchangeGatehouse({ redisUrl: redis.url, configure: (raw) => {
        raw.webhooks = [{ url: 'http://127.0.0.1:9/hook', events: ['impersonation.started'], format: 'json' }];
      },
    });
    await redis.stop();
    await gh.stop();
  });

  it('SIGTERM: the process shuts down gracefully and exits 0 (not the 10 s forced exit 1)', { timeout: 60_000 }, async () => {
    const redis = await startRedisServer();
    const raw = baseConfig();
    raw.webhooks = [{ url: 'http://127.0.0.1:9/hook', events: ['impersonation.started'], format: 'json' }];
    const gh = await spawnGatehouse({ configPath: writeConfig(raw), env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' } });
    await redis.stop();
    const code = await gh.stop();
    assert.equal(code, 0, gh.output());
    assert.doesNotMatch(gh.output(), /"level":(50|60)/, 'no error logged on the way out');
  });
});
