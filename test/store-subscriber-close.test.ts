/**
 * The configuration subscriber after its connection is cut hears the next commit (it is
 * subscribed again). And closing the store while its configuration subscriber is between a reconnect and its ready
 * check (a shutdown during a Redis blip) must not leave an unhandled rejection behind: ioredis
 * re-subscribes a subscriber on its own when the ready check's answer arrives, and with no
 * offline queue that SUBSCRIBE fails on a connection already closing. Nobody awaits it; Node
 * ends a process on an unhandled rejection, and Gatehouse's handler exits with status 1.
 * Real Redis behind a proxy that cuts the connections and holds the ready check's answer.
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
    const versions: (number | null)[] = [];
    await store.tenancySubscribe((version) => void versions.push(version));

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
