/**
 * The store module: the only place in Gatehouse that imports ioredis. Everything else
 * takes a `Store` (and, for BullMQ or rate limiting, a `RedisClient`) from here.
 */
import { createMemoryStore } from './memory.js';
import { createRedisClient, createRedisStore, type RedisClient, type RedisConnectionOptions } from './redis.js';
import type { ReplicaOptions } from './replicas.js';
import type { Store } from './types.js';

export { keys } from './keys.js';
export { tenancyKeys } from './tenancy.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export {
  createRedisClient,
  createRedisStore,
  type RedisClient,
  type RedisConnectionOptions,
  waitForReady,
} from './redis.js';
export { clusterSlot, type ReplicaAcks, type ReplicaOptions } from './replicas.js';
export * from './types.js';

/**
 * The memory store when no Redis is configured (dev only: one process), otherwise a
 * Redis store over a new 'store'-purpose client, returned too so the caller can wait for
 * it to be ready, share it with the rate limiter, and close it on shutdown.
 * @example
 * const { store, redis } = createStore(config.redis ?? null, { prefix: 'gh' });
 * if (redis) await waitForReady(redis, 5000);
 */
export function createStore(
  conn: RedisConnectionOptions | null,
  options: { prefix: string; replicas?: ReplicaOptions },
): { store: Store; redis: RedisClient | null } {
  if (conn === null) return { store: createMemoryStore(options), redis: null };
  const redis = createRedisClient(conn, 'store');
  return { store: createRedisStore(redis, options), redis };
}
