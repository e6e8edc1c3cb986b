import { createMemoryStore } from '../../src/store/memory.js';
import { tenancySuite } from './suite.js';

// One memory store per process: every "instance" of a prefix is the same store, as it would be.
const stores = new Map<string, ReturnType<typeof createMemoryStore>>();
tenancySuite('the memory store', {
  async open(prefix) {
    let store = stores.get(prefix);
    if (!store) {
      store = createMemoryStore({ prefix });
      stores.set(prefix, store);
    }
    return store;
  },
});
