/**
 * The store's Lua scripts. Each touches the keys it is given only, all in one slot
 * (Redis Cluster), and runs atomically.
 */
/** Our Lua commands, added with defineCommand; ioredis runs them with EVALSHA (EVAL on NOSCRIPT). */
export interface ScriptCommands {
  gatehouseIncrWithTtl(key: string, ttl: number): Promise<number>;
  gatehouseAppendChained(streamKey: string, headKey: string, ...args: string[]): Promise<[number, string]>;
  gatehouseHdelIfEquals(key: string, field: string, value: string, ...alsoFields: string[]): Promise<number>;
  gatehouseRpushCapped(key: string, max: number, ttl: number, ...values: string[]): Promise<number>;
  gatehouseHsetWithTtl(key: string, ttl: number, ...fieldsAndValues: string[]): Promise<number>;
  gatehouseSaddWithTtl(key: string, ttl: number, member: string): Promise<number>;
  gatehouseZaddIndexed(key: string, score: number, member: string, trimBelow: string, ttl: number): Promise<number>;
}

/*
 * The three scripts below replace MULTI/EXEC blocks: a script is one command, so ioredis's
 * auto-pipelining sends it in the same socket write as the other commands of its tick,
 * where every MULTI was a write of its own (bench/README.md, "what each change bought").
 * Atomic the same way: nothing runs between its commands.
 */

/**
 * HSET and EXPIRE in one step, so the hash never exists without its TTL.
 * KEYS[1] = hash; ARGV[1] = ttl seconds, ARGV[2..] = field, value…
 */
export const HSET_WITH_TTL = `
if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
return redis.call('EXPIRE', KEYS[1], ARGV[1])`;

/** SADD and EXPIRE in one step. KEYS[1] = set; ARGV[1] = ttl seconds, ARGV[2] = member. */
export const SADD_WITH_TTL = `
redis.call('SADD', KEYS[1], ARGV[2])
return redis.call('EXPIRE', KEYS[1], ARGV[1])`;

/**
 * An index that trims itself and dies when unused: ZADD, drop members scored below the
 * bound, give the set its TTL. KEYS[1] = sorted set; ARGV[1] = score, ARGV[2] = member,
 * ARGV[3] = trim bound ('' = none; exclusive), ARGV[4] = ttl seconds (0 = none).
 */
export const ZADD_INDEXED = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3]) end
if tonumber(ARGV[4]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
return 1`;

/**
 * HDEL field (and the fields after it) only while field holds the expected value.
 * KEYS[1] = hash; ARGV[1] = field, ARGV[2] = expected value, ARGV[3..] = also delete.
 */
export const HDEL_IF_EQUALS = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1], unpack(ARGV, 3))
return 1`;

/**
 * INCR, and EXPIRE only when this call created the counter, so a rate window starts at
 * the first hit and later hits do not extend it. One script, so no caller can see the
 * counter without its TTL (a crash between two commands would leave it immortal).
 * KEYS[1] = counter, ARGV[1] = ttl seconds.
 */
export const INCR_WITH_TTL = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Compare-and-append for hash chains: the entry goes in only if the head is still the one
 * its hash was computed from, so two instances can never fork the chain. (The audit trail
 * no longer uses it: its logs have their own commands, tlog-redis.ts.)
 * KEYS[1] = stream, KEYS[2] = head (same hash tag for Cluster);
 * ARGV[1] = expected head ('' = absent), ARGV[2] = new head, ARGV[3..] = field, value…
 * Returns {1, entry id} or {0, current head ('' = absent)}.
 */
export const APPEND_CHAINED = `
local head = redis.call('GET', KEYS[2]) or ''  -- GET answers false for a missing key
if head ~= ARGV[1] then return {0, head} end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[2], ARGV[2])
return {1, id}`;

/**
 * RPUSH within a cap: nothing is written when the values would not fit, so concurrent
 * appends from any number of processes never pass it.
 * KEYS[1] = list; ARGV[1] = max length, ARGV[2] = ttl seconds, ARGV[3..] = values.
 * Returns the new length, or -1 when refused.
 */
export const RPUSH_CAPPED = `
local len = redis.call('LLEN', KEYS[1])
if len + #ARGV - 2 > tonumber(ARGV[1]) then return -1 end
len = redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return len`;
