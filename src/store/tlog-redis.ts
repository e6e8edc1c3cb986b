/**
 * The transparency-log commands on Redis (see tlog.ts): commented Lua, one script per
 * atomic step, every key of a call under the log's hash tag. The tree strings are named
 * inside the scripts from the `tree` prefix (as BullMQ names its job keys); they share
 * that prefix's hash tag, so Redis Cluster keeps them on the log's slot.
 */
import { decodeLeaf, encodeLeaf } from './leaf-codec.js';
import type { RedisClient } from './redis.js';
import { TREE_CHUNK, type TlogStore } from './tlog.js';

/**
 * KEYS[1] = leaves stream, KEYS[2] = state; ARGV = leaves. Positions come from `size`,
 * read and advanced in the same script, so appenders never conflict. A stream whose last
 * id is not below `size` (a size repointed under it) refuses the append before anything
 * is written — nothing is issued — rather than forking the log or writing half a batch.
 */
const APPEND = `
local size = tonumber(redis.call('HGET', KEYS[2], 'size') or '0')
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' and tonumber(string.match(info[i + 1], '^(%d+)')) >= size then
      return redis.error_reply('ERR audit log out of line: its stream has entries past its size')
    end
  end
end
for i = 1, #ARGV do
  redis.call('XADD', KEYS[1], (size + i - 1) .. '-1', 'e', ARGV[i])
end
redis.call('HSET', KEYS[2], 'size', size + #ARGV)
return size`;

/**
 * KEYS[1] = state, KEYS[2] = tree prefix; ARGV[1] = hashes per tree string, ARGV[2..] =
 * stored indexes. Below `trimmedHashes` only the pinned frontier is left. A missing or
 * short hash answers '' (the caller reports the damage).
 */
const HASHES = `
local trimmed = tonumber(redis.call('HGET', KEYS[1], 'trimmedHashes') or '0')
local chunk = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local index = tonumber(ARGV[i])
  local h
  if index < trimmed then
    h = redis.call('HGET', KEYS[1], 'pin:' .. ARGV[i])
  else
    local offset = (index % chunk) * 32
    h = redis.call('GETRANGE', KEYS[2] .. ':' .. math.floor(index / chunk), offset, offset + 31)
  end
  if not h or #h ~= 32 then h = '' end
  out[#out + 1] = h
end
return out`;

/**
 * KEYS[1] = state, KEYS[2] = tree prefix; ARGV = from size, to size, first stored index,
 * hashes per tree string, the hashes (32 bytes each). Compare-and-extend on `treeSize`:
 * two processes computing the same hashes cannot both write them. Each tree string must
 * end exactly where the new hashes begin.
 */
const EXTEND = `
if tonumber(redis.call('HGET', KEYS[1], 'treeSize') or '0') ~= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'size') or '0') then
  return redis.error_reply('ERR audit tree beyond the log')
end
local index = tonumber(ARGV[3])
local chunk = tonumber(ARGV[4])
local data = ARGV[5]
local pos = 1
while pos <= #data do
  local within = index % chunk
  local key = KEYS[2] .. ':' .. math.floor(index / chunk)
  if redis.call('STRLEN', key) ~= within * 32 then return redis.error_reply('ERR audit tree out of line') end
  local piece = string.sub(data, pos, pos + (chunk - within) * 32 - 1)
  redis.call('APPEND', key, piece)
  index = index + #piece / 32
  pos = pos + #piece
end
redis.call('HSET', KEYS[1], 'treeSize', ARGV[2])
return 1`;

/** KEYS[1] = checkpoints; ARGV = size, record. One record per size, the first kept. */
const ADD_CHECKPOINT = `
if #redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1) > 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * KEYS = leaves, state, tree prefix, checkpoints; ARGV = before, first kept stored index,
 * hashes per tree string, then pairs of (stored index, hash) to pin. Runs only forward
 * and never past the tree, so a retried or stale trim does nothing.
 */
const TRIM = `
local before = tonumber(ARGV[1])
if before <= tonumber(redis.call('HGET', KEYS[2], 'trimmed') or '0') then return 0 end
if before > tonumber(redis.call('HGET', KEYS[2], 'treeSize') or '0') then
  return redis.error_reply('ERR audit trim beyond the tree')
end
redis.call('XTRIM', KEYS[1], 'MINID', before .. '-1')
local chunk = tonumber(ARGV[3])
local first = tonumber(ARGV[2])
local old = tonumber(redis.call('HGET', KEYS[2], 'trimmedHashes') or '0')
for c = math.floor(old / chunk), math.floor(first / chunk) - 1 do redis.call('DEL', KEYS[3] .. ':' .. c) end
for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
  if string.sub(field, 1, 4) == 'pin:' then redis.call('HDEL', KEYS[2], field) end
end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[2], 'pin:' .. ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[2], 'trimmed', before, 'trimmedHashes', first)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. before)
return 1`;

/** KEYS[1] = key; ARGV[1] = the value it must still hold. */
const DEL_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Arg = string | number | Buffer;
interface TlogScripts {
  gatehouseTlogAppend(...args: Arg[]): Promise<number>;
  gatehouseTlogHashesBuffer(...args: Arg[]): Promise<Buffer[]>;
  gatehouseTlogExtend(...args: Arg[]): Promise<number>;
  gatehouseTlogAddCheckpoint(...args: Arg[]): Promise<number>;
  gatehouseTlogTrim(...args: Arg[]): Promise<number>;
  gatehouseDelIfEquals(...args: Arg[]): Promise<number>;
}

const toNumber = (value: string | null | undefined) => (value ? Number(value) : 0);
/** A stream entry `<index>-1` with field `e` holding the leaf at rest (leaf-codec.ts). */
const leafOf = ([id, fields]: [Buffer, Buffer[]]) => {
  const text = id.toString('latin1');
  return { index: Number(text.slice(0, text.indexOf('-'))), leaf: fields[1] ? decodeLeaf(fields[1]) : '' };
};

/**
 * @param k adds the store prefix to a logical key
 * @param run maps connectivity failures to StoreUnavailableError
 */
export function redisTlogCommands(client: RedisClient, k: (key: string) => string, run: <T>(command: () => Promise<T>) => Promise<T>): TlogStore {
  client.defineCommand('gatehouseTlogAppend', { numberOfKeys: 2, lua: APPEND });
  client.defineCommand('gatehouseTlogHashes', { numberOfKeys: 2, lua: HASHES });
  client.defineCommand('gatehouseTlogExtend', { numberOfKeys: 2, lua: EXTEND });
  client.defineCommand('gatehouseTlogAddCheckpoint', { numberOfKeys: 1, lua: ADD_CHECKPOINT });
  client.defineCommand('gatehouseTlogTrim', { numberOfKeys: 4, lua: TRIM });
  client.defineCommand('gatehouseDelIfEquals', { numberOfKeys: 1, lua: DEL_IF_EQUALS });
  const scripts = client as RedisClient & TlogScripts;

  return {
    tlogAppend: (log, leaves) =>
      run(async () => {
        if (leaves.length === 0) throw new Error('tlogAppend needs at least one leaf');
        return Number(await scripts.gatehouseTlogAppend(k(log.leaves), k(log.state), ...leaves.map(encodeLeaf)));
      }),
    tlogState: (log) =>
      run(async () => {
        const [size, treeSize, trimmed, trimmedHashes] = await client.hmget(k(log.state), 'size', 'treeSize', 'trimmed', 'trimmedHashes');
        return { size: toNumber(size), treeSize: toNumber(treeSize), trimmed: toNumber(trimmed), trimmedHashes: toNumber(trimmedHashes) };
      }),
    tlogRead: (log, start, count) =>
      run(async () => (count > 0 ? ((await client.xrangeBuffer(k(log.leaves), `${start}-1`, '+', 'COUNT', count)) ?? []).map(leafOf) : [])),
    tlogReadBackward: (log, before, count) =>
      run(async () =>
        count > 0 && before > 0 ? ((await client.xrevrangeBuffer(k(log.leaves), `(${before}-1`, '-', 'COUNT', count)) ?? []).map(leafOf) : [],
      ),
    tlogHashes: (log, indexes) =>
      run(async () => {
        if (indexes.length === 0) return [];
        const replies = await scripts.gatehouseTlogHashesBuffer(k(log.state), k(log.tree), TREE_CHUNK, ...indexes.map(String));
        return replies.map((h) => (h.length === 32 ? Buffer.from(h) : null));
      }),
    tlogExtend: (log, fromSize, toSize, firstIndex, hashes) =>
      run(async () => (await scripts.gatehouseTlogExtend(k(log.state), k(log.tree), fromSize, toSize, firstIndex, TREE_CHUNK, hashes)) === 1),
    tlogAddCheckpoint: (log, size, record) => run(async () => (await scripts.gatehouseTlogAddCheckpoint(k(log.checkpoints), size, record)) === 1),
    tlogCheckpoints: (log, { min, max, count, newestFirst }) =>
      run(async () => {
        const low = min === undefined ? '-inf' : String(min);
        const high = max === undefined ? '+inf' : String(max);
        const flat = newestFirst
          ? await client.zrevrangebyscore(k(log.checkpoints), high, low, 'WITHSCORES', 'LIMIT', 0, count)
          : await client.zrangebyscore(k(log.checkpoints), low, high, 'WITHSCORES', 'LIMIT', 0, count);
        const out = [];
        for (let i = 0; i + 1 < flat.length; i += 2) out.push({ record: flat[i]!, size: Number(flat[i + 1]) });
        return out;
      }),
    tlogTrim: (log, before, firstKeptHash, pins) =>
      run(async () => {
        const pairs = [...pins].flatMap(([index, hash]) => [String(index), hash]);
        return (await scripts.gatehouseTlogTrim(k(log.leaves), k(log.state), k(log.tree), k(log.checkpoints), before, firstKeptHash, TREE_CHUNK, ...pairs)) === 1;
      }),
    delIfEquals: (key, value) => run(async () => (await scripts.gatehouseDelIfEquals(k(key), value)) === 1),
  };
}
