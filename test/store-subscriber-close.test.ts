/**
 * The configuration subscriber across reconnects (real Redis behind a proxy that cuts
 * connections and holds replies). Cut, it is subscribed again and hears the next commit.
 * Closed while it is between a reconnect and its ready check's answer (a shutdown during a
 * Redis blip), it leaves no unhandled rejection: ioredis's own re-subscription, sent when
 * that answer arrives, failed on the closing connection (no offline queue) with nobody to
 * catch it, and Node ends a process on an unhandled rejection (CI's metrics suite, once).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createRedisClient, createRedisStore, type Store, waitForReady } from '../src/store/index.js';
import { waitFor } from './audit/helpers.js';
import { type LostReplyProxy, startLostReplyProxy } from './helpers/lost-reply-proxy.js';
import { type RedisServer, startRedisServer } from './helpers/redis-server.js';

describe('the configuration subscriber at shutdown (real Redis, a proxy that holds replies)', () => {
  let redis: RedisServer;
  let proxy: LostReplyProxy;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  before(async () => {
    redis = await startRedisServer();
    const { hostname, port } = new URL(redis.url);
    proxy = await startLostReplyProxy({ host: hostname, port: Number(port) });
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await proxy?.close();
    await redis?.stop();
  });

  it('a cut subscriber is subscribed again: the next commit is heard', async () => {
    const client = createRedisClient({ url: proxy.url }, 'store');
    const store: Store = createRedisStore(client, { prefix: `subcut${process.pid}` });
    const writer = createRedisStore(createRedisClient({ url: redis.url }, 'store'), { prefix: `subcut${process.pid}` });
    try {
      await waitForReady(client, 5_000);
      const heard: (number | null)[] = [];
      await store.tenancySubscribe((version) => void heard.push(version));
      proxy.cutAll();
      await waitFor('the reconnect', () => heard.includes(null));
      // Commits until one is heard: the new SUBSCRIBE and a commit travel on two connections.
      await waitFor('a commit announced after the reconnect', async () => {
        const committed = await writer.tenancyCommit([], [{ kind: 'role', id: 'r1', body: '{"name":"r1","tenants":[]}' }]);
        assert.ok(committed.ok);
        await sleep(50);
        return heard.includes(committed.version);
      });
    } finally {
      await store.close();
      await writer.close();
    }
  });

  it('closing while the subscriber waits for its ready check leaves no unhandled rejection', async () => {
    const client = createRedisClient({ url: proxy.url }, 'store');
    const store: Store = createRedisStore(client, { prefix: `subclose${process.pid}` });
    await waitForReady(client, 5_000);
    await store.tenancySubscribe(() => undefined);

    // A blip: every connection cut; both reconnect and ask INFO, whose answers are held.
    proxy.hold(/\binfo\b/i);
    const readyChecks = proxy.sent(/\bINFO\b/i, 2);
    proxy.cutAll();
    await readyChecks;
    // The shutdown starts: the subscriber, not yet ready, closes its side at once. Then the
    // held answers arrive.
    const subscriberClosed = proxy.halfClosed(1);
    const closing = store.close();
    await subscriberClosed;
    proxy.release();
    await closing;
    await sleep(200);
    assert.deepEqual(unhandled.map(String), [], 'nothing rejected unhandled');
  });
});
