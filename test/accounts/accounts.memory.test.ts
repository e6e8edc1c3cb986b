import { createMemoryStore } from '../../src/store/memory.js';
import { accountsSuite } from './suite.js';

// One memory store per process: the "second connection" is the same store, as it would be.
const stores = new Map<string, ReturnType<typeof createMemoryStore>>();
accountsSuite('the memory store', {
  async open(prefix) {
    let store = stores.get(prefix);
    if (!store) {
      store = createMemoryStore({ prefix });
      stores.set(prefix, store);
    }
    return store;
  },
});
