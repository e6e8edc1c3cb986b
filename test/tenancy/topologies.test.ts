/**
 * Runtime configuration on every Redis topology Gatehouse supports (`GATEHOUSE_TEST_REDIS`:
 * single, Sentinel, Cluster; `npm run test:sentinel` / `test:cluster` run this file): one
 * commit's version reaches another connection's subscription (on a Cluster, through the
 * cluster bus to whichever node the subscriber picked), and a second instance's view
 * follows the change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { createStore, type Store, waitForReady } from '../../src/store/index.js';
import { createTenancySync } from '../../src/tenancy/index.js';
import { waitFor } from '../audit/helpers.js';
import { baseConfig } from '../helpers/gatehouse.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';

describe(`runtime configuration on Redis (${process.env.GATEHOUSE_TEST_REDIS ?? 'single'})`, () => {
  let redis: TestRedis;
  const stores: Store[] = [];
  const open = async () => {
    const connection = parseConfig(baseConfig(), redis.env).redis!;
    const { store, redis: client } = createStore(connection, { prefix: `topology${process.pid}` });
    if (client) await waitForReady(client, 10_000);
    stores.push(store);
    return store;
  };

  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const store of stores) await store.close();
    await redis?.stop();
  });

  it('a commit on one connection is announced to another’s subscription, and another view follows', async () => {
    const [writer, reader] = [await open(), await open()];
    const heard: (number | null)[] = [];
    const unsubscribe = await reader.tenancySubscribe((v) => heard.push(v));
    // Slow polling: the view below follows the message, the poll is only the fallback.
    const sync = createTenancySync(reader, { pollMs: 900 });
    await sync.start();
    const committed = await writer.tenancyCommit([{ kind: 'role', id: 'r1', rev: null }], [{ kind: 'role', id: 'r1', body: '{"name":"r1","tenants":[]}' }]);
    assert.ok(committed.ok);
    await waitFor('the version on the other connection', () => heard.includes(committed.version));
    await waitFor('the other view', () => sync.view().roles.some((r) => r.name === 'r1'));
    const stale = await writer.tenancyCommit([{ kind: 'role', id: 'r1', rev: committed.version - 1 }], [{ kind: 'role', id: 'r1', body: '{}' }]);
    assert.deepEqual(stale, { ok: false, conflict: { kind: 'role', id: 'r1' } });
    await unsubscribe();
    await sync.stop();
  });
});
