/**
 * A write whose reply is lost is never sent again. ioredis by default resends, after it
 * reconnects, every command a dropped connection left unanswered — but Redis may have run
 * it already. For a write that is not idempotent that is a second effect nobody asked for:
 * an audit event appended twice to a transparency log. The store's client must instead
 * report the write as failed (the caller answers 503: nothing is issued) and leave the one
 * effect Redis may have made. Real Redis behind a proxy that drops one reply at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuditLog } from '../src/audit/index.js';
import { createRedisClient, createRedisStore, type RedisClient, type Store, waitForReady } from '../src/store/index.js';
import { type LostReplyProxy, startLostReplyProxy } from './helpers/lost-reply-proxy.js';
import { type RedisServer, startRedisServer } from './helpers/redis-server.js';

describe('a write whose reply was lost is not resent (real Redis, a proxy that drops replies)', () => {
  let redis: RedisServer;
  let proxy: LostReplyProxy;
  let client: RedisClient;
  let store: Store;

  before(async () => {
    redis = await startRedisServer();
    const { hostname, port } = new URL(redis.url);
    proxy = await startLostReplyProxy({ host: hostname, port: Number(port) });
    client = createRedisClient({ url: proxy.url }, 'store');
    store = createRedisStore(client, { prefix: `lost${process.pid}` });
    await waitForReady(client, 5_000);
  });
  after(async () => {
    await store?.close();
    await proxy?.close();
    await redis?.stop();
  });

  it('an audit append whose reply is lost fails, and its event is in the log once', async () => {
    const audit = createAuditLog(store, { tenants: () => ['acme'] });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      proxy.loseNextReply();
      const tried = await audit
        .append({ type: 'admin.login', admin: `adm_lost${i}`, outcome: 'success' })
        .then(() => 'ok')
        .catch((err: Error) => err.name);
      outcomes.push(tried);
      await waitForReady(client, 10_000);
    }
    assert.equal(proxy.lost(), 5, 'each append lost its reply');
    assert.deepEqual([...new Set(outcomes)], ['StoreUnavailableError'], 'the append reports the lost reply as a failure');

    const admins = (await audit.list({}, { limit: 100 })).events.map((e) => e.admin);
    for (let i = 0; i < 5; i += 1) {
      assert.ok(admins.filter((a) => a === `adm_lost${i}`).length <= 1, `adm_lost${i}'s event is in the log at most once (${admins.join(' ')})`);
    }
  });
});
