import { hsetIfMatchesIn } from './hash-cas.js';
import { memoryLegCommands } from './legs-memory.js';
import { memoryTenancyCommands } from './tenancy-memory.js';
import { memoryTlogCommands } from './tlog-memory.js';
import type { ChainedAppendResult, SetOptions, Store, StreamEntry, ZaddOptions } from './types.js';

/**
 * The embedded store for `npm start` without Redis: one process only. Every method mirrors
 * the Redis command it stands for (replies, TTL rules, WRONGTYPE, empty aggregates
 * vanishing), so the shared contract suite can hold both stores to the same behaviour.
 * Each method runs synchronously inside one tick, which is what makes it atomic here.
 */
type Value =
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Map<string, string> }
  | { type: 'set'; value: Set<string> }
  | { type: 'zset'; value: Map<string, number> }
  | { type: 'list'; value: string[] }
  | { type: 'stream'; value: StreamValue };
type Entry = Value & { expiresAt?: number };
type StreamId = readonly [ms: number, seq: number];
type StreamValue = { entries: StreamEntry[]; last: StreamId };

/** Same text as Redis, so callers and tests see one error whichever store runs. */
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INTEGER = 'ERR value is not an integer or out of range';
/** Lazy expiry keeps reads exact; the sweep only returns memory of keys nobody reads. */
const SWEEP_INTERVAL_MS = 5_000;

export interface MemoryStoreOptions {
  /** Key prefix, as for Redis; keeps logged keys identical across stores. */
  prefix?: string;
}

/**
 * @example
 * const store = createMemoryStore();
 * await store.set(keys.ticket(hash), payload, { ttl: 60, nx: true });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const prefix = options.prefix || 'gh';
  // Same rule as the Redis store, so a config that works in dev works in production.
  if (/[{}]/.test(prefix)) throw new Error('the store prefix must not contain braces');
  const data = new Map<string, Entry>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of data) if (isExpired(entry, now)) data.delete(key);
  }, SWEEP_INTERVAL_MS);
  // A dev store must never keep a finished process (or a test run) alive.
  sweep.unref();

  const k = (key: string) => `${prefix}:${key}`;

  function live(key: string): Entry | undefined {
    const entry = data.get(key);
    if (entry && isExpired(entry, Date.now())) {
      data.delete(key);
      return undefined;
    }
    return entry;
  }

  function typed<T extends Value['type']>(key: string, type: T): Extract<Entry, { type: T }> | undefined {
    const entry = live(key);
    if (entry && entry.type !== type) throw new Error(WRONGTYPE);
    return entry as Extract<Entry, { type: T }> | undefined;
  }

  // EXPIRE semantics: a missing key is left alone; zero or negative deletes at once.
  function expire(key: string, ttl: number): void {
    assertInteger(ttl);
    const entry = live(key);
    if (!entry) return;
    if (ttl <= 0) data.delete(key);
    else entry.expiresAt = Date.now() + ttl * 1000;
  }

  function upsert<T extends Value>(key: string, type: T['type'], make: () => T['value']): T['value'] {
    const existing = typed(key, type);
    if (existing) return existing.value;
    const value = make();
    data.set(key, { type, value } as Entry);
    return value;
  }

  // ZADD, trim below a bound, TTL: an index that trims itself (zadd, and the legs' sessions).
  function zaddIndexed(key: string, score: number, member: string, trimBelow: number | undefined, ttl: number | undefined): void {
    if (Number.isNaN(score)) throw new Error('ERR value is not a valid float');
    if (ttl !== undefined) assertInteger(ttl);
    const zset = upsert(key, 'zset', () => new Map<string, number>()) as Map<string, number>;
    zset.set(member, score);
    if (trimBelow !== undefined) for (const [m, s] of zset) if (s < trimBelow) zset.delete(m);
    if (zset.size === 0) data.delete(key);
    else if (ttl !== undefined) expire(key, ttl);
  }

  const tlog = memoryTlogCommands(k);
  const legs = memoryLegCommands(
    {
      hash: (key) => typed(key, 'hash')?.value as Map<string, string> | undefined,
      ensureHash: (key) => upsert(key, 'hash', () => new Map<string, string>()) as Map<string, string>,
      string: (key) => typed(key, 'string')?.value,
      setString: (key, value, ttl) => void data.set(key, { type: 'string', value, expiresAt: Date.now() + ttl * 1000 }),
      expire,
      zaddIndexed,
      appendLeaves: tlog.appendNow,
    },
    k,
  );

  return {
    kind: 'memory',

    async get(key) {
      return typed(k(key), 'string')?.value ?? null;
    },

    async set(key, value, opts: SetOptions = {}) {
      if (opts.ttl !== undefined) {
        assertInteger(opts.ttl);
        if (opts.ttl <= 0) throw new Error("ERR invalid expire time in 'set' command");
      }
      if (opts.nx && live(k(key))) return false;
      // Like SET, this replaces a value of any type and drops an earlier TTL.
      const expiresAt = opts.ttl === undefined ? undefined : Date.now() + opts.ttl * 1000;
      data.set(k(key), { type: 'string', value, expiresAt });
      return true;
    },

    async getdel(key) {
      const entry = typed(k(key), 'string');
      if (!entry) return null;
      data.delete(k(key));
      return entry.value;
    },

    async del(key) {
      return live(k(key)) && data.delete(k(key)) ? 1 : 0;
    },

    async ttl(key) {
      const entry = live(k(key));
      if (!entry) return -2;
      if (entry.expiresAt === undefined) return -1;
      // Redis rounds the remaining milliseconds to the nearest second.
      return Math.floor((Math.max(0, entry.expiresAt - Date.now()) + 500) / 1000);
    },

    async expire(key, ttl) {
      expire(k(key), ttl);
    },

    async incr(key, ttl) {
      if (ttl !== undefined) assertInteger(ttl);
      const entry = typed(k(key), 'string');
      const current = entry ? parseInteger(entry.value) : 0;
      const next = current + 1;
      if (!Number.isSafeInteger(next)) throw new Error(NOT_INTEGER);
      // INCR keeps an existing TTL; the counter's window starts when it is created.
      if (entry) entry.value = String(next);
      else data.set(k(key), { type: 'string', value: String(next) });
      if (next === 1 && ttl !== undefined) expire(k(key), ttl);
      return next;
    },

    async hset(key, fields, ttl) {
      if (ttl !== undefined) assertInteger(ttl);
      const pairs = Object.entries(fields);
      if (pairs.length > 0) {
        const hash = upsert(k(key), 'hash', () => new Map<string, string>()) as Map<string, string>;
        for (const [field, value] of pairs) hash.set(field, value);
      }
      if (ttl !== undefined) expire(k(key), ttl);
    },

    async hgetall(key) {
      const entry = typed(k(key), 'hash');
      return entry ? Object.fromEntries(entry.value) : null;
    },

    async hsetnx(key, field, value) {
      const hash = upsert(k(key), 'hash', () => new Map<string, string>()) as Map<string, string>;
      if (hash.has(field)) return false;
      hash.set(field, value);
      return true;
    },

    async hashReads(reads) {
      return reads.map(({ key, fields }) => {
        const hash = typed(k(key), 'hash')?.value;
        if (!hash) return null;
        const out = fields ? Object.fromEntries(fields.filter((f) => hash.has(f)).map((f) => [f, hash.get(f)!])) : Object.fromEntries(hash);
        return Object.keys(out).length > 0 ? out : null;
      });
    },

    async hdelIfEquals(key, field, value, alsoFields = []) {
      const hash = typed(k(key), 'hash')?.value as Map<string, string> | undefined;
      if (hash?.get(field) !== value) return false;
      for (const f of [field, ...alsoFields]) hash.delete(f);
      return true;
    },

    async sadd(key, member, ttl) {
      if (ttl !== undefined) assertInteger(ttl);
      const set = upsert(k(key), 'set', () => new Set<string>()) as Set<string>;
      set.add(member);
      if (ttl !== undefined) expire(k(key), ttl);
    },

    async srem(key, member) {
      const entry = typed(k(key), 'set');
      // Redis deletes an aggregate when its last member goes.
      if (entry?.value.delete(member) && entry.value.size === 0) data.delete(k(key));
    },

    async smembers(key) {
      return [...(typed(k(key), 'set')?.value ?? [])];
    },

    async hsetIfMatches(key, expect, fields) {
      return hsetIfMatchesIn(typed(k(key), 'hash')?.value as Map<string, string> | undefined, expect, fields);
    },

    async rpushCapped(key, values, { max, ttl }) {
      assertInteger(ttl);
      if (values.length === 0) throw new Error('rpushCapped needs at least one value');
      if ((typed(k(key), 'list')?.value.length ?? 0) + values.length > max) return null;
      const list = upsert(k(key), 'list', () => [] as string[]) as string[];
      list.push(...values);
      expire(k(key), ttl);
      return list.length;
    },

    async lrange(key, start, stop) {
      const list = typed(k(key), 'list')?.value ?? [];
      const range = redisRange(list.length, start, stop);
      return range ? list.slice(range[0], range[1] + 1) : [];
    },

    async llen(key) {
      return typed(k(key), 'list')?.value.length ?? 0;
    },

    async zadd(key, score, member, { trimBelow, ttl }: ZaddOptions = {}) {
      zaddIndexed(k(key), score, member, trimBelow, ttl);
    },

    async zrem(key, member) {
      const entry = typed(k(key), 'zset');
      if (entry?.value.delete(member) && entry.value.size === 0) data.delete(k(key));
    },

    async zrevrange(key, start, stop) {
      const entry = typed(k(key), 'zset');
      if (!entry) return [];
      // ZREVRANGE order: score descending, equal scores by member bytes descending.
      const members = [...entry.value].sort(
        ([ma, sa], [mb, sb]) => sb - sa || Buffer.compare(Buffer.from(mb), Buffer.from(ma)),
      );
      const range = redisRange(members.length, start, stop);
      return range ? members.slice(range[0], range[1] + 1).map(([member]) => member) : [];
    },

    async appendChained(streamKey, headKey, expectedHead, newHead, fields): Promise<ChainedAppendResult> {
      const pairs = Object.entries(fields);
      if (pairs.length === 0) throw new Error('appendChained needs at least one field');
      const head = typed(k(headKey), 'string')?.value ?? '';
      if (head !== (expectedHead ?? '')) return { ok: false, head: head === '' ? null : head };
      const stream = upsert(k(streamKey), 'stream', (): StreamValue => ({ entries: [], last: [0, 0] })) as StreamValue;
      // XADD `*`: milliseconds time, with a sequence that keeps ids increasing within
      // one millisecond or if the clock steps back.
      const now = Date.now();
      stream.last = now > stream.last[0] ? [now, 0] : [stream.last[0], stream.last[1] + 1];
      const id = `${stream.last[0]}-${stream.last[1]}`;
      stream.entries.push({ id, fields: Object.fromEntries(pairs) });
      data.set(k(headKey), { type: 'string', value: newHead });
      return { ok: true, id };
    },

    async readStream(streamKey, afterId, count) {
      const after = parseStreamId(afterId);
      const entry = typed(k(streamKey), 'stream');
      // XRANGE with COUNT 0 or below answers an empty list.
      if (!entry || count <= 0) return [];
      const out: StreamEntry[] = [];
      for (const item of entry.value.entries) {
        if (compareIds(parseStreamId(item.id), after) <= 0) continue;
        out.push({ id: item.id, fields: { ...item.fields } });
        if (out.length >= count) break;
      }
      return out;
    },

    async hincrby(key, field, by) {
      assertInteger(by);
      const hash = upsert(k(key), 'hash', () => new Map<string, string>()) as Map<string, string>;
      const next = parseInteger(hash.get(field) ?? '0') + by;
      if (!Number.isSafeInteger(next)) throw new Error(NOT_INTEGER);
      hash.set(field, String(next));
      return next;
    },

    ...tlog.commands,
    ...memoryTenancyCommands(),
    ...legs,

    async delIfEquals(key, value) {
      if (typed(k(key), 'string')?.value !== value) return false;
      data.delete(k(key));
      return true;
    },
    // One process, no replicas: a write is as durable as it will ever be.
    async waitForReplicas() {},

    async ping() {},

    async close() {
      clearInterval(sweep);
    },
  };
}

function isExpired(entry: Entry, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

function assertInteger(n: number): void {
  if (!Number.isSafeInteger(n)) throw new Error(NOT_INTEGER);
}

function parseInteger(value: string): number {
  // Redis accepts only a canonical signed 64-bit integer; we stop at 2^53.
  if (!/^(0|-?[1-9]\d*)$/.test(value)) throw new Error(NOT_INTEGER);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(NOT_INTEGER);
  return n;
}

/** Redis index rules: negative counts from the end, out-of-range is clamped. */
function redisRange(length: number, start: number, stop: number): [number, number] | null {
  let from = start < 0 ? length + start : start;
  let to = stop < 0 ? length + stop : stop;
  if (from < 0) from = 0;
  if (from > to || from >= length) return null;
  if (to >= length) to = length - 1;
  return [from, to];
}

/** `<ms>` or `<ms>-<seq>`; a missing sequence is 0, as for an XRANGE start. */
function parseStreamId(id: string): StreamId {
  const match = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (!match) throw new Error('ERR Invalid stream ID specified as stream command argument');
  return [Number(match[1]), Number(match[2] ?? 0)];
}

function compareIds(a: StreamId, b: StreamId): number {
  return a[0] - b[0] || a[1] - b[1];
}
