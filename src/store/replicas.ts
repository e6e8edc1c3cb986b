/**
 * Waiting for replicas (Redis WAIT). Redis replicates asynchronously: a master that
 * acknowledged a write and then failed can take it with it, and the promoted replica
 * never saw it. WAIT blocks until N replicas hold every write the connection made before
 * it, which turns "the master has it" into "a failover keeps it" for the writes that
 * security depends on (docs/operating.md "What a failover can lose").
 */
import type { RedisClient } from './redis.js';

/** `auto`: 1 when the master of the key has a replica connected, 0 when it has none. */
export type ReplicaAcks = 'auto' | number;

export interface ReplicaOptions {
  replicaAcks: ReplicaAcks;
  /** How long WAIT may block before the write counts as not replicated. */
  timeoutMs: number;
}

/** The replication marker's lifetime: it only has to outlive one WAIT. */
const MARKER_SECONDS = 3600;

/** How long an `auto` answer (replicas present or not) is trusted before asking again. */
const AUTO_RECHECK_MS = 10_000;

export class NotReplicatedError extends Error {
  override readonly name = 'NotReplicatedError';
  constructor(wanted: number, got: number, timeoutMs: number) {
    super(`NOREPLICAS ${got} of ${wanted} replicas acknowledged within ${timeoutMs} ms`);
  }
}

/**
 * Returns `wait(prefixedKey, marker?)`. WAIT and the key-bearing EXISTS travel in one
 * pipeline, so on a Cluster both reach the master of the key's slot (the node that took
 * the write) and on a single Redis or Sentinel they share the connection every write went
 * over. WAIT counts only this connection's writes; with `marker` (a key in the same slot)
 * a write of it goes first, so the WAIT covers every connection's writes before it too.
 */
export function createReplicaWaiter(client: RedisClient, options: ReplicaOptions): (key: string, marker?: string) => Promise<void> {
  const { replicaAcks, timeoutMs } = options;
  if (replicaAcks !== 'auto' && (!Number.isInteger(replicaAcks) || replicaAcks < 0)) {
    throw new Error('replicaAcks must be "auto" or a whole number of replicas');
  }
  // Per master (a Cluster has several): the replica count INFO reported, and when.
  const seen = new Map<string, { replicas: number; at: number }>();
  // A reconnect may have found another master (a Sentinel failover): ask it afresh.
  client.on('ready', () => seen.clear());

  async function wanted(key: string): Promise<number> {
    if (replicaAcks !== 'auto') return replicaAcks;
    // One slot's master stands for "the master of this key" on a Cluster; a single Redis has one.
    const node = 'slots' in client ? String(slotOwner(client, key)) : 'single';
    const cached = seen.get(node);
    if (cached && Date.now() - cached.at < AUTO_RECHECK_MS) return Math.min(cached.replicas, 1);
    const replies = await client.pipeline().exists(key).info('replication').exec();
    const [err, info] = replies?.[1] ?? [new Error('no reply to INFO')];
    if (err) throw err;
    const replicas = Number(/connected_slaves:(\d+)/.exec(String(info))?.[1] ?? 0);
    seen.set(node, { replicas, at: Date.now() });
    return Math.min(replicas, 1);
  }

  return async (key, marker) => {
    const n = await wanted(key);
    if (n === 0) return;
    const pipeline = client.pipeline().exists(key);
    if (marker) pipeline.set(marker, String(Date.now()), 'EX', MARKER_SECONDS);
    const replies = await pipeline.call('WAIT', n, timeoutMs).exec();
    const [err, acked] = replies?.[marker ? 2 : 1] ?? [new Error('no reply to WAIT')];
    if (err) throw err;
    if (Number(acked) < n) throw new NotReplicatedError(n, Number(acked), timeoutMs);
  };
}

/** The node key that serves `key`'s slot, as the Cluster client knows it (undefined before it does). */
function slotOwner(client: RedisClient, key: string): string | undefined {
  const slots = (client as unknown as { slots: string[][] }).slots;
  const owner = slots[clusterSlot(key)];
  return owner?.[0];
}

/** CRC16/XMODEM of the key's hash tag (or whole key) mod 16384, as Redis Cluster computes it. */
export function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  let tagged = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) tagged = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(tagged)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
