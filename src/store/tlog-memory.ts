/**
 * The transparency-log commands on the memory store (see tlog.ts), with the same
 * replies and refusals as the Redis scripts. Each runs synchronously, so it is atomic.
 */
import type { TlogCheckpointRecord, TlogKeys, TlogStore } from './tlog.js';

interface MemoryLog {
  leaves: Map<number, string>;
  size: number;
  treeSize: number;
  trimmed: number;
  trimmedHashes: number;
  hashes: Map<number, Buffer>;
  pins: Map<number, Buffer>;
  checkpoints: Map<number, string>;
}

/**
 * Everything but `delIfEquals`, which the memory store answers from its own strings; and
 * `appendNow`, the same append run synchronously, for the legs' steps (legs-memory.ts).
 */
export function memoryTlogCommands(k: (key: string) => string): { commands: Omit<TlogStore, 'delIfEquals'>; appendNow(keys: TlogKeys, leaves: string[]): number } {
  const logs = new Map<string, MemoryLog>();
  const logOf = (keys: TlogKeys): MemoryLog => {
    const id = k(keys.state);
    let log = logs.get(id);
    if (!log) {
      log = { leaves: new Map(), size: 0, treeSize: 0, trimmed: 0, trimmedHashes: 0, hashes: new Map(), pins: new Map(), checkpoints: new Map() };
      logs.set(id, log);
    }
    return log;
  };
  const sortedCheckpoints = (log: MemoryLog): TlogCheckpointRecord[] =>
    [...log.checkpoints].sort(([a], [b]) => a - b).map(([size, record]) => ({ size, record }));

  function appendNow(keys: TlogKeys, leaves: string[]): number {
    if (leaves.length === 0) throw new Error('tlogAppend needs at least one leaf');
    const log = logOf(keys);
    const first = log.size;
    for (const leaf of leaves) log.leaves.set(log.size++, leaf);
    return first;
  }

  const commands: Omit<TlogStore, 'delIfEquals'> = {
    async tlogAppend(keys, leaves) {
      return appendNow(keys, leaves);
    },
    async tlogState(keys) {
      const { size, treeSize, trimmed, trimmedHashes } = logOf(keys);
      return { size, treeSize, trimmed, trimmedHashes };
    },
    async tlogRead(keys, start, count) {
      const log = logOf(keys);
      const out = [];
      for (let i = Math.max(start, log.trimmed); i < log.size && out.length < count; i++) {
        const leaf = log.leaves.get(i);
        if (leaf !== undefined) out.push({ index: i, leaf });
      }
      return out;
    },
    async tlogReadBackward(keys, before, count) {
      const log = logOf(keys);
      const out = [];
      for (let i = Math.min(before, log.size) - 1; i >= log.trimmed && out.length < count; i--) {
        const leaf = log.leaves.get(i);
        if (leaf !== undefined) out.push({ index: i, leaf });
      }
      return out;
    },
    async tlogHashes(keys, indexes) {
      const log = logOf(keys);
      return indexes.map((i) => (i < log.trimmedHashes ? log.pins.get(i) : log.hashes.get(i)) ?? null);
    },
    async tlogExtend(keys, fromSize, toSize, firstIndex, hashes) {
      const log = logOf(keys);
      if (log.treeSize !== fromSize) return false;
      if (toSize > log.size) throw new Error('ERR audit tree beyond the log');
      if (firstIndex > 0 && firstIndex > log.trimmedHashes && !log.hashes.has(firstIndex - 1)) throw new Error('ERR audit tree out of line');
      for (let i = 0; i * 32 < hashes.length; i++) log.hashes.set(firstIndex + i, Buffer.from(hashes.subarray(i * 32, i * 32 + 32)));
      log.treeSize = toSize;
      return true;
    },
    async tlogAddCheckpoint(keys, size, record) {
      const log = logOf(keys);
      if (log.checkpoints.has(size)) return false;
      log.checkpoints.set(size, record);
      return true;
    },
    async tlogCheckpoints(keys, { min = 0, max = Number.POSITIVE_INFINITY, count, newestFirst }) {
      const all = sortedCheckpoints(logOf(keys)).filter((c) => c.size >= min && c.size <= max);
      return (newestFirst ? all.reverse() : all).slice(0, count);
    },
    async tlogTrim(keys, before, firstKeptHash, pins) {
      const log = logOf(keys);
      if (before <= log.trimmed) return false;
      if (before > log.treeSize) throw new Error('ERR audit trim beyond the tree');
      for (let i = log.trimmed; i < before; i++) log.leaves.delete(i);
      for (let i = log.trimmedHashes; i < firstKeptHash; i++) log.hashes.delete(i);
      log.pins = new Map([...pins].map(([i, h]) => [i, Buffer.from(h)]));
      log.trimmed = before;
      log.trimmedHashes = firstKeptHash;
      for (const size of log.checkpoints.keys()) if (size < before) log.checkpoints.delete(size);
      return true;
    },
  };
  return { commands, appendNow };
}
