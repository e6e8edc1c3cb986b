/**
 * Redis Sentinel on loopback: one master, one replica and three sentinels (quorum 2), as
 * Debian's `redis-sentinel` runs them. Failing over fast (1 s down-after) keeps the fault
 * suites short.
 */
import { spawnSync } from 'node:child_process';
import { cli, freeNodePort, type RedisNode, scratchDir, startNode, waitUntil } from './redis-node.js';

export const SENTINEL_MASTER_NAME = 'gatehouse';

export interface SentinelTopology {
  /** REDIS_SENTINELS / REDIS_SENTINEL_NAME for Gatehouse. */
  env: Record<string, string>;
  /** The data nodes; which one is master changes with failovers. */
  nodes: RedisNode[];
  sentinels: RedisNode[];
  /** The port the sentinels currently name as master. */
  masterPort(): Promise<number>;
  /** Kills the current master and waits until the sentinels have promoted the replica. */
  killMasterAndFailOver(): Promise<{ oldMaster: RedisNode; newMasterPort: number }>;
  stop(): Promise<void>;
}

export function assertSentinelInstalled(): void {
  const probe = spawnSync('redis-sentinel', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-sentinel is not installed (Debian: apt-get install redis-sentinel); the Sentinel suites never skip.');
  }
}

export async function startSentinelTopology(): Promise<SentinelTopology> {
  assertSentinelInstalled();
  const parent = scratchDir('sentinel');
  const persistence = ['save ""', 'appendonly no'];
  const masterPort = await freeNodePort();
  const master = await startNode(masterPort, persistence, { parent });
  const replicaPort = await freeNodePort();
  const replica = await startNode(replicaPort, [...persistence, `replicaof 127.0.0.1 ${masterPort}`], { parent });
  await waitUntil('the replica is in sync', async () => (await cli(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'));

  const sentinels: RedisNode[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freeNodePort();
    sentinels.push(
      await startNode(
        port,
        [
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        ],
        { sentinel: true, parent },
      ),
    );
  }
  const nodes = [master, replica];
  const current = async () => {
    for (const s of sentinels) {
      if (!s.running) continue;
      const reply = (await cli(s.port, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)).split('\n');
      return Number(reply[1]);
    }
    throw new Error('no sentinel running');
  };
  // Every sentinel must know the replica and the other sentinels before a failover can work.
  await waitUntil('the sentinels see the replica and each other', async () => {
    for (const s of sentinels) {
      const info = await cli(s.port, 'SENTINEL', 'master', SENTINEL_MASTER_NAME);
      const fields = info.split('\n');
      const value = (name: string) => Number(fields[fields.indexOf(name) + 1]);
      if (value('num-slaves') < 1 || value('num-other-sentinels') < 2) return false;
    }
    return true;
  });

  return {
    env: {
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
    },
    nodes,
    sentinels,
    masterPort: current,
    async killMasterAndFailOver() {
      const port = await current();
      const oldMaster = nodes.find((n) => n.port === port)!;
      await oldMaster.kill();
      let newMasterPort = port;
      await waitUntil(
        'the sentinels promote the replica',
        async () => {
          newMasterPort = await current();
          if (newMasterPort === port) return false;
          return (await cli(newMasterPort, 'INFO', 'replication')).includes('role:master');
        },
        30_000,
      );
      return { oldMaster, newMasterPort };
    },
    async stop() {
      await Promise.all([...sentinels, ...nodes].map((n) => n.kill()));
    },
  };
}
