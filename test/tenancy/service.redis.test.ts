import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStore, tenancyKeys, waitForReady } from '../../src/store/index.js';
import { createTenancySync } from '../../src/tenancy/index.js';
import { waitFor } from '../audit/helpers.js';
import { testRedisUrl } from '../helpers/redis-server.js';
import { tenancySuite } from './suite.js';

tenancySuite('Redis', {
  async open(prefix) {
    const { store, redis } = createStore({ url: await testRedisUrl() }, { prefix });
    if (redis) await waitForReady(redis, 5_000);
    return store;
  },
});

describe('runtime configuration after the store went back (a restore, a flush)', () => {
  it('an instance follows the store to a lower version instead of ignoring what comes next', async () => {
    const prefix = `tenancy-reset-${process.pid}`;
    const { store, redis } = createStore({ url: await testRedisUrl() }, { prefix });
    if (redis) await waitForReady(redis, 5_000);
    const sync = createTenancySync(store, { pollMs: 50 });
    await sync.start();
    for (const id of ['a', 'b', 'c']) assert.ok((await store.tenancyCommit([], [{ kind: 'role', id, body: `{"name":"${id}","tenants":[]}` }])).ok);
    await waitFor('version 3', () => sync.view().version === 3);
    await redis!.del(`${prefix}:${tenancyKeys.version}`, `${prefix}:${tenancyKeys.records}`, `${prefix}:${tenancyKeys.revs}`);
    assert.ok((await store.tenancyCommit([], [{ kind: 'role', id: 'after', body: '{"name":"after","tenants":[]}' }])).ok);
    await waitFor('the view at the store’s version 1', () => sync.view().version === 1 && sync.view().roles.length === 1);
    await sync.stop();
    await store.close();
  });
});
