/**
 * A Redis Cluster on loopback: three masters, each with one replica so that a killed
 * master fails over (1 s node timeout). Built with `redis-cli --cluster create`.
 */
import { cli, freeNodePort, type RedisNode, scratchDir, startNode, waitUntil } from './redis-node.js';

export interface ClusterTopology {
  /** REDIS_CLUSTER_NODES for Gatehouse (the three masters as seeds). */
  env: Record<string, string>;
  nodes: RedisNode[];
  /** Ports of the nodes that currently are masters, by `CLUSTER NODES` of a live node. */
  masterPorts(): Promise<number[]>;
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** Kills one master and waits until its replica has taken over its slots. */
  killMasterAndFailOver(port?: number): Promise<{ killed: RedisNode; promotedPort: number }>;
  stop(): Promise<void>;
}

const MASTERS = 3;

export async function startClusterTopology(): Promise<ClusterTopology> {
  const parent = scratchDir('cluster');
  const nodes: RedisNode[] = [];
  for (let i = 0; i < MASTERS * 2; i++) {
    const port = await freeNodePort();
    nodes.push(
      await startNode(
        port,
        [
          'cluster-enabled yes',
          'cluster-config-file nodes.conf',
          'cluster-node-timeout 1000',
          // A replica takes over however long it was cut off (the suites kill masters on purpose).
          'cluster-replica-validity-factor 0',
          'save ""',
          'appendonly no',
        ],
        { parent },
      ),
    );
  }
  // The first three become masters, the next three their replicas.
  await cli(nodes[0]!.port, '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes');
  const live = () => nodes.find((n) => n.running)!;
  const clusterNodes = async () =>
    (await cli(live().port, 'CLUSTER', 'NODES'))
      .split('\n')
      .map((line) => line.split(' '))
      .map(([, addr, flags, , , , , state, ...slots]) => ({
        port: Number(addr!.split('@')[0]!.split(':')[1]),
        master: flags!.includes('master') && !flags!.includes('fail'),
        connected: state === 'connected',
        slots: slots.length,
        ranges: slots.filter((r) => !r.startsWith('[')).map((r) => r.split('-').map(Number) as [number, number?]),
      }));
  const masterPorts = async () => (await clusterNodes()).filter((n) => n.master && n.slots > 0).map((n) => n.port);
  const healthy = async () => {
    for (const n of nodes.filter((x) => x.running)) {
      if (!(await cli(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
    }
    const all = await clusterNodes();
    return (await masterPorts()).length === MASTERS && all.filter((n) => n.connected).length >= MASTERS;
  };
  await waitUntil('the cluster is ok on every node', healthy, 60_000);
  // Replicas must be attached and in sync before a failover can promote them.
  await waitUntil('every replica is in sync', async () => {
    const masters = await masterPorts();
    for (const n of nodes.filter((x) => !masters.includes(x.port))) {
      if (!(await cli(n.port, 'INFO', 'replication')).includes('master_link_status:up')) return false;
    }
    return true;
  });

  return {
    env: { REDIS_CLUSTER_NODES: nodes.slice(0, MASTERS).map((n) => `127.0.0.1:${n.port}`).join(',') },
    nodes,
    masterPorts,
    async masterOf(key) {
      const slot = Number(await cli(live().port, 'CLUSTER', 'KEYSLOT', key));
      const owner = (await clusterNodes()).find((n) => n.master && n.ranges.some(([lo, hi]) => slot >= lo && slot <= (hi ?? lo)));
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return owner.port;
    },
    async killMasterAndFailOver(port) {
      const before = await masterPorts();
      const target = nodes.find((n) => n.port === (port ?? before[0]))!;
      await target.kill();
      let promotedPort = 0;
      await waitUntil(
        'a replica takes over the killed master',
        async () => {
          const now = await masterPorts();
          const promoted = now.find((p) => !before.includes(p));
          if (promoted === undefined || now.length !== MASTERS) return false;
          promotedPort = promoted;
          return (await cli(promoted, 'CLUSTER', 'INFO')).includes('cluster_state:ok');
        },
        30_000,
      );
      return { killed: target, promotedPort };
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
    },
  };
}
