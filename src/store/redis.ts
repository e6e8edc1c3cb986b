import { Cluster, Redis, ReplyError } from 'ioredis';
import { redisLegCommands } from './legs-redis.js';
import { redisTenancyCommands } from './tenancy-redis.js';
import { redisTlogCommands } from './tlog-redis.js';
import { createReplicaWaiter, NotReplicatedError, type ReplicaOptions } from './replicas.js';
import { HSET_IF_MATCHES, type HashCasCommands, hsetIfMatchesArgs } from './hash-cas.js';
import { APPEND_CHAINED, HDEL_IF_EQUALS, HSET_WITH_TTL, INCR_WITH_TTL, RPUSH_CAPPED, SADD_WITH_TTL, type ScriptCommands, ZADD_INDEXED } from './scripts.js';
import { type ChainedAppendResult, type SetOptions, type Store, StoreUnavailableError, type ZaddOptions } from './types.js';

/** The only client types the rest of the project sees (it never imports ioredis). */
export type RedisClient = Redis | Cluster;

/** One of: a URL (single node), Sentinels plus the master's name, or Cluster seed nodes. */
export interface RedisConnectionOptions {
  /** `redis://[user:pass@]host:port/db` or `rediss://…`; with Sentinel or Cluster it
   * still supplies credentials (and the db for Sentinel). */
  url?: string;
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  clusterNodes?: { host: string; port: number }[];
}

/**
 * Store commands must fail within a request's budget so the app answers 503 rather than
 * hanging; the client meanwhile reconnects forever so an instance recovers by itself.
 */
const STORE_CONNECT_TIMEOUT_MS = 2_000;
const STORE_COMMAND_TIMEOUT_MS = 2_000;
const RECONNECT_CAP_MS = 2_000;
/** The default of `store.replicaTimeoutMs` (config/schema.ts). */
export const DEFAULT_REPLICA_TIMEOUT_MS = 1_000;

/** Exponential backoff with jitter, capped, and never `null`: giving up needs a restart. */
function retryStrategy(times: number): number {
  return Math.min(100 * 2 ** Math.min(times - 1, 10), RECONNECT_CAP_MS) + Math.floor(Math.random() * 100);
}

/**
 * @example
 * const redis = createRedisClient({ url: 'redis://127.0.0.1:6379' }, 'store');
 * await waitForReady(redis, 5000);
 */
export function createRedisClient(conn: RedisConnectionOptions, purpose: 'store' | 'queue'): RedisClient {
  const perCommand =
    purpose === 'store'
      ? {
          connectTimeout: STORE_CONNECT_TIMEOUT_MS,
          commandTimeout: STORE_COMMAND_TIMEOUT_MS,
          maxRetriesPerRequest: 1,
          // A command a dropped connection left unanswered may have run: resending it after the
          // reconnect (ioredis' default) ran writes twice — an audit event appended twice, a
          // leg's step redone (test/store-lost-reply.test.ts). It fails instead, as unavailable:
          // the caller answers 503 and nothing is issued; what Redis did, it did once.
          autoResendUnfulfilledCommands: false,
          // Commands issued in the same event-loop tick leave in one socket write: under load
          // the per-command write was a fifth of the server's CPU (bench/README.md).
          enableAutoPipelining: true,
          // After a Sentinel failover the old master answers READONLY: reconnect to
          // re-resolve the master (the failed command surfaces as unavailable).
          reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
        }
      : // BullMQ workers block on the connection and require this to be null.
        { maxRetriesPerRequest: null };
  const enableOfflineQueue = purpose === 'queue';
  const creds = conn.url ? credentialsFrom(conn.url) : {};

  let client: RedisClient;
  if (conn.clusterNodes?.length) {
    client = new Cluster(conn.clusterNodes, {
      enableOfflineQueue,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...perCommand, ...creds },
    });
  } else if (conn.sentinels?.length) {
    if (!conn.sentinelName) throw new Error('Redis Sentinel needs sentinelName (the master group name)');
    const base = { sentinels: conn.sentinels, name: conn.sentinelName, enableOfflineQueue, retryStrategy };
    client = conn.url ? new Redis(conn.url, { ...base, ...perCommand }) : new Redis({ ...base, ...perCommand });
  } else if (conn.url) {
    client = new Redis(conn.url, { enableOfflineQueue, retryStrategy, ...perCommand });
  } else {
    throw new Error('Redis connection needs a url, sentinels or clusterNodes');
  }
  // Without a listener ioredis prints every reconnect failure to stderr; failures reach
  // callers as StoreUnavailableError instead, and the server may add its own logger.
  client.on('error', () => {});
  return client;
}

function credentialsFrom(url: string): { username?: string; password?: string; tls?: object } {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Resolves once the client is ready; rejects with StoreUnavailableError otherwise. */
export async function waitForReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'end') throw new StoreUnavailableError(new Error('the Redis client was closed'));
  if (client.status === 'wait') client.connect().catch(() => {});
  let lastError: unknown;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      clearTimeout(timer);
      client.off('ready', onReady).off('error', onError).off('end', onEnd);
      if (err) reject(new StoreUnavailableError(err));
      else resolve();
    };
    const onReady = () => done();
    const onError = (err: unknown) => {
      lastError = err;
    };
    const onEnd = () => done(lastError ?? new Error('the Redis client was closed'));
    const timer = setTimeout(() => done(lastError ?? new Error(`not ready within ${timeoutMs}ms`)), timeoutMs);
    client.on('ready', onReady).on('error', onError).on('end', onEnd);
  });
}

/** Server replies that mean "not now" rather than "wrong request". */
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|BUSY|NOREPLICAS|MISCONF)\b/;
const NETWORK_CODES = new Set(
  'ECONNREFUSED ECONNRESET ETIMEDOUT EPIPE ENOTFOUND EAI_AGAIN EHOSTUNREACH ENETUNREACH ECONNABORTED'.split(' '),
);
/** ioredis raises these as plain Errors; the message is all there is to go on. */
const CLIENT_MESSAGES =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|Command aborted|Socket timeout|connect ETIMEDOUT|None of startup nodes|Cluster is disconnect|Node is disconnected|Too many Cluster redirections|sentinels are unreachable/;

function isConnectivityError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof NotReplicatedError) return true;
  if (err instanceof ReplyError) return UNAVAILABLE_REPLIES.test(err.message);
  const code = (err as { code?: unknown }).code;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.name === 'ClusterAllFailedError' ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    CLIENT_MESSAGES.test(err.message)
  );
}

/**
 * A Store over an injected client. The store owns the client: `close()` quits it.
 * @example
 * const store = createRedisStore(createRedisClient({ url }, 'store'), { prefix: 'gh' });
 */
export function createRedisStore(client: RedisClient, options: { prefix: string; replicas?: ReplicaOptions }): Store {
  const prefix = options.prefix || 'gh';
  // The Cluster hash tag is the first `{…}` in a key; a brace in the prefix would
  // become the tag of every key and put them all in one slot (or split an audit log's `{audit:<log>}` keys).
  if (/[{}]/.test(prefix)) throw new Error('the store prefix must not contain braces');
  const k = (key: string) => `${prefix}:${key}`;
  client.defineCommand('gatehouseIncrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
  client.defineCommand('gatehouseAppendChained', { numberOfKeys: 2, lua: APPEND_CHAINED });
  client.defineCommand('gatehouseHdelIfEquals', { numberOfKeys: 1, lua: HDEL_IF_EQUALS });
  client.defineCommand('gatehouseRpushCapped', { numberOfKeys: 1, lua: RPUSH_CAPPED });
  client.defineCommand('gatehouseHsetIfMatches', { numberOfKeys: 1, lua: HSET_IF_MATCHES });
  client.defineCommand('gatehouseHsetWithTtl', { numberOfKeys: 1, lua: HSET_WITH_TTL });
  client.defineCommand('gatehouseSaddWithTtl', { numberOfKeys: 1, lua: SADD_WITH_TTL });
  client.defineCommand('gatehouseZaddIndexed', { numberOfKeys: 1, lua: ZADD_INDEXED });
  const scripts = client as RedisClient & ScriptCommands & HashCasCommands;
  const tenancy = redisTenancyCommands(client, { k, run, ready: (c) => waitForReady(c, STORE_CONNECT_TIMEOUT_MS * 2) });
  const waitForReplicas = createReplicaWaiter(client, options.replicas ?? { replicaAcks: 'auto', timeoutMs: DEFAULT_REPLICA_TIMEOUT_MS });

  async function run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw isConnectivityError(err) ? new StoreUnavailableError(err) : err;
    }
  }

  return {
    kind: 'redis',
    get: (key) => run(() => client.get(k(key))),
    set: (key, value, { ttl, nx }: SetOptions = {}) =>
      run(async () => {
        const K = k(key);
        // SET answers null instead of OK when NX finds the key.
        if (ttl === undefined) return (nx ? await client.set(K, value, 'NX') : await client.set(K, value)) === 'OK';
        return (nx ? await client.set(K, value, 'EX', ttl, 'NX') : await client.set(K, value, 'EX', ttl)) === 'OK';
      }),
    getdel: (key) => run(() => client.getdel(k(key))),
    del: (key) => run(() => client.del(k(key))),
    ttl: (key) => run(() => client.ttl(k(key))),
    expire: (key, ttl) => run(async () => void (await client.expire(k(key), ttl))),
    incr: (key, ttl) =>
      run(() => (ttl === undefined ? client.incr(k(key)) : scripts.gatehouseIncrWithTtl(k(key), ttl))),

    // HSET and EXPIRE in one script, so the hash never exists without its TTL.
    hset: (key, fields, ttl) =>
      run(async () => {
        const flat = Object.entries(fields).flat();
        if (ttl !== undefined) await scripts.gatehouseHsetWithTtl(k(key), ttl, ...flat);
        else if (flat.length > 0) await client.hset(k(key), ...flat);
      }),
    hgetall: (key) =>
      run(async () => {
        const hash = await client.hgetall(k(key));
        // HGETALL answers an empty map for a missing key; the contract says null.
        return Object.keys(hash).length > 0 ? hash : null;
      }),
    hsetnx: (key, field, value) => run(async () => (await client.hsetnx(k(key), field, value)) === 1),
    hdelIfEquals: (key, field, value, alsoFields = []) =>
      run(async () => (await scripts.gatehouseHdelIfEquals(k(key), field, value, ...alsoFields)) === 1),
    hashReads: (reads) =>
      run(async () => {
        // Issued in one tick: auto-pipelining sends them in one write (one per node on a Cluster).
        const replies = await Promise.all(reads.map((r) => (r.fields ? client.hmget(k(r.key), ...r.fields) : client.hgetall(k(r.key)))));
        return replies.map((reply, i) => hashReply(reads[i]!.fields, reply));
      }),

    sadd: (key, member, ttl) =>
      run(async () => {
        if (ttl !== undefined) await scripts.gatehouseSaddWithTtl(k(key), ttl, member);
        else await client.sadd(k(key), member);
      }),
    srem: (key, member) => run(async () => void (await client.srem(k(key), member))),
    smembers: (key) => run(() => client.smembers(k(key))),

    hsetIfMatches: (key, expect, fields) =>
      run(async () => (await scripts.gatehouseHsetIfMatches(k(key), ...hsetIfMatchesArgs(expect, fields))) === 1),
    rpushCapped: (key, values, { max, ttl }) =>
      run(async () => {
        if (values.length === 0) throw new Error('rpushCapped needs at least one value');
        const length = await scripts.gatehouseRpushCapped(k(key), max, ttl, ...values);
        return length < 0 ? null : length;
      }),
    lrange: (key, start, stop) => run(() => client.lrange(k(key), start, stop)),
    llen: (key) => run(() => client.llen(k(key))),

    zadd: (key, score, member, { trimBelow, ttl }: ZaddOptions = {}) =>
      run(async () => void (await scripts.gatehouseZaddIndexed(k(key), score, member, trimBelow === undefined ? '' : String(trimBelow), ttl ?? 0))),
    zrem: (key, member) => run(async () => void (await client.zrem(k(key), member))),
    zrevrange: (key, start, stop) => run(() => client.zrevrange(k(key), start, stop)),

    appendChained: (streamKey, headKey, expectedHead, newHead, fields) =>
      run(async (): Promise<ChainedAppendResult> => {
        const flat = Object.entries(fields).flat();
        if (flat.length === 0) throw new Error('appendChained needs at least one field');
        const [ok, value] = await scripts.gatehouseAppendChained(
          k(streamKey),
          k(headKey),
          expectedHead ?? '',
          newHead,
          ...flat,
        );
        return ok === 1 ? { ok: true, id: value } : { ok: false, head: value === '' ? null : value };
      }),
    readStream: (streamKey, afterId, count) =>
      run(async () => {
        // `(` makes the start exclusive (Redis 6.2+), so paging resumes after the last id.
        const entries = await client.xrange(k(streamKey), `(${afterId}`, '+', 'COUNT', count);
        // COUNT 0 answers a null array (RESP3 null), despite the typings.
        return (entries ?? []).map(([id, flat]) => ({ id, fields: pairsToRecord(flat) }));
      }),

    hincrby: (key, field, by) => run(() => client.hincrby(k(key), field, by)),

    ...redisTlogCommands(client, k, run),
    tenancyRead: tenancy.tenancyRead,
    tenancyVersion: tenancy.tenancyVersion,
    tenancyCommit: tenancy.tenancyCommit,
    tenancySubscribe: tenancy.tenancySubscribe,
    ...redisLegCommands(client, k, run),

    waitForReplicas: (key, { allConnections } = {}) => run(() => waitForReplicas(k(key), allConnections ? k(replicationMarker(key)) : undefined)),
    ping: () => run(async () => void (await client.ping())),
    close: async () => {
      await tenancy.closeSubscriptions();
      if (client.status === 'end') return;
      // QUIT waits for replies in flight; when the server is gone, just drop the socket.
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** A key in `key`'s Cluster slot (its hash tag's) for the all-connections WAIT marker. */
function replicationMarker(key: string): string {
  const tag = /\{([^}]+)\}/.exec(key)?.[1];
  return tag ? `{${tag}}:replicated` : `${key}:replicated`;
}

/** HMGET (values by position, nil for missing) or HGETALL (a map) as a record, or null when empty. */
function hashReply(fields: string[] | undefined, reply: unknown): Record<string, string> | null {
  const out: Record<string, string> = {};
  if (fields) {
    (reply as (string | null)[]).forEach((value, i) => {
      if (value !== null) out[fields[i]!] = value;
    });
  } else {
    Object.assign(out, reply as Record<string, string>);
  }
  return Object.keys(out).length > 0 ? out : null;
}

function pairsToRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
