import { createStore, waitForReady } from '../../src/store/index.js';
import { testRedisUrl } from '../helpers/redis-server.js';
import { tenancySuite } from './suite.js';

tenancySuite('Redis', {
  async open(prefix) {
    const { store, redis } = createStore({ url: await testRedisUrl() }, { prefix });
    if (redis) await waitForReady(redis, 5_000);
    return store;
  },
});
