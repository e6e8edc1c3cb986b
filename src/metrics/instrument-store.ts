/**
 * Counts store operations that fail because the store is unreachable (StoreUnavailableError),
 * by operation, without changing what callers see: the same store, each method wrapped.
 */
import { type Store, StoreUnavailableError } from '../store/types.js';

export function countStoreErrors(store: Store, count: (operation: string) => void): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((err: unknown) => {
          if (err instanceof StoreUnavailableError) count(property);
          throw err;
        });
      };
    },
  });
}
