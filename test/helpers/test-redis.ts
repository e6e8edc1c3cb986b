/**
 * The Redis a protocol suite runs on, chosen by `GATEHOUSE_TEST_REDIS`: `single` (the
 * default, one redis-server), `sentinel` (1 master, 1 replica, 3 sentinels) or `cluster`
 * (3 masters with a replica each). `npm run test:scale` runs the protocol suites on
 * the last two; the suites themselves do not change.
 */
import { startClusterTopology } from './redis-cluster.js';
import { startRedisServer } from './redis-server.js';
import { startSentinelTopology } from './redis-sentinel.js';

export type RedisKind = 'single' | 'sentinel' | 'cluster';

export interface TestRedis {
  kind: RedisKind;
  /** The environment that points Gatehouse (server, CLI) at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export function testRedisKind(): RedisKind {
  const kind = process.env['GATEHOUSE_TEST_REDIS'] ?? 'single';
  if (kind !== 'single' && kind !== 'sentinel' && kind !== 'cluster') {
    throw new Error(`GATEHOUSE_TEST_REDIS must be single, sentinel or cluster (got "${kind}")`);
  }
  return kind;
}

export async function startTestRedis(kind: RedisKind = testRedisKind()): Promise<TestRedis> {
  if (kind === 'sentinel') return { kind, ...(await startSentinelTopology()) };
  if (kind === 'cluster') return { kind, ...(await startClusterTopology()) };
  const server = await startRedisServer();
  return { kind, env: { REDIS_URL: server.url }, stop: () => server.stop() };
}
