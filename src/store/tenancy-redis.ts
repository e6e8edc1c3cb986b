/**
 * Runtime configuration on Redis (see tenancy.ts): two hashes and a version under the
 * `{tenancy}` hash tag, a Lua script per atomic step, and a pub/sub channel. Subscribing
 * takes a connection of its own (a duplicate of the store's client: a connection in
 * subscriber mode runs no other command), subscribed again after a reconnect on a single
 * node, behind Sentinel and on a Cluster (where ioredis picks one node, and the cluster bus
 * forwards classic PUBLISH to every node).
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis.js';
import { parseRecordField, recordField, type TenancyCommit, type TenancyRecord, type TenancyStore, tenancyKeys } from './tenancy.js';

/**
 * The whole configuration at one version. KEYS[1] = version, KEYS[2] = records, KEYS[3] = revs.
 * Returns {version, HGETALL records, HGETALL revs}.
 */
const READ = `
return {redis.call('GET', KEYS[1]) or '0', redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])}`;

/**
 * Compare-and-set over several records. KEYS[1] = version, KEYS[2] = records, KEYS[3] = revs;
 * ARGV[1] = expected version ('' = any), ARGV[2] = channel, ARGV[3] = number of guards n,
 * then n pairs (field, revision or '' for "absent"), then pairs (field, JSON or '' to delete).
 * Returns {1, new version} or {0, the field whose guard failed, or 'version'}; nothing is
 * written unless every guard holds. The version moves once per commit and is published.
 */
const COMMIT = `
local version = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= version then return {0, 'version'} end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local rev = redis.call('HGET', KEYS[3], ARGV[i])
  if ARGV[i + 1] == '' then
    if rev then return {0, ARGV[i]} end
  elseif rev ~= ARGV[i + 1] then
    return {0, ARGV[i]}
  end
  i = i + 2
end
if i > #ARGV then return {1, version} end
version = redis.call('INCR', KEYS[1])
while i <= #ARGV do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('HDEL', KEYS[3], ARGV[i])
  else
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    redis.call('HSET', KEYS[3], ARGV[i], version)
  end
  i = i + 2
end
redis.call('PUBLISH', ARGV[2], version)
return {1, version}`;

interface TenancyScripts {
  gatehouseTenancyRead(version: string, records: string, revs: string): Promise<[string, string[], string[]]>;
  gatehouseTenancyCommit(version: string, records: string, revs: string, ...args: string[]): Promise<[number, string | number]>;
}

export interface RedisTenancyCommands extends TenancyStore {
  /** Closes the subscriptions' connections (the store's `close`). */
  closeSubscriptions(): Promise<void>;
}

export interface RedisTenancyDeps {
  k: (key: string) => string;
  run: <T>(command: () => Promise<T>) => Promise<T>;
  /** Resolves once a (new) connection is ready (the store's waitForReady). */
  ready: (client: RedisClient) => Promise<void>;
}

export function redisTenancyCommands(client: RedisClient, { k, run, ready }: RedisTenancyDeps): RedisTenancyCommands {
  client.defineCommand('gatehouseTenancyRead', { numberOfKeys: 3, lua: READ });
  client.defineCommand('gatehouseTenancyCommit', { numberOfKeys: 3, lua: COMMIT });
  const scripts = client as RedisClient & TenancyScripts;
  const KEYS = [k(tenancyKeys.version), k(tenancyKeys.records), k(tenancyKeys.revs)] as const;
  const channel = k(tenancyKeys.channel);
  const subscribers = new Set<RedisClient>();

  async function quit(subscriber: RedisClient) {
    subscribers.delete(subscriber);
    if (subscriber.status === 'end') return;
    await subscriber.quit().catch(() => subscriber.disconnect());
  }

  return {
    tenancyRead: () =>
      run(async () => {
        const [version, flatRecords, flatRevs] = await scripts.gatehouseTenancyRead(...KEYS);
        const revs = new Map<string, number>();
        for (let i = 0; i + 1 < flatRevs.length; i += 2) revs.set(flatRevs[i]!, Number(flatRevs[i + 1]));
        const records: TenancyRecord[] = [];
        for (let i = 0; i + 1 < flatRecords.length; i += 2) {
          const name = parseRecordField(flatRecords[i]!);
          if (name) records.push({ ...name, rev: revs.get(flatRecords[i]!) ?? 0, body: flatRecords[i + 1]! });
        }
        return { version: Number(version), records };
      }),
    tenancyVersion: () => run(async () => Number((await client.get(KEYS[0])) ?? 0)),
    tenancyCommit: (guards, writes, options = {}) =>
      run(async (): Promise<TenancyCommit> => {
        const args = [options.expectVersion === undefined ? '' : String(options.expectVersion), channel, String(guards.length)];
        for (const g of guards) args.push(recordField(g.kind, g.id), g.rev === null ? '' : String(g.rev));
        for (const w of writes) {
          if (w.body === '') throw new Error('a record body is never empty');
          args.push(recordField(w.kind, w.id), w.body ?? '');
        }
        const [ok, value] = await scripts.gatehouseTenancyCommit(...KEYS, ...args);
        if (ok === 1) return { ok: true, version: Number(value) };
        return { ok: false, conflict: value === 'version' ? 'version' : parseRecordField(String(value))! };
      }),
    async tenancySubscribe(listener) {
      // A Cluster's subscriber connection re-subscribes on its own, catching a failure. A
      // single node's (or Sentinel's) would too, but its SUBSCRIBE then has no catch: when
      // the connection closes between its ready check and that command (a shutdown during
      // a blip), the rejection is unhandled and ends the process. So it is done here.
      const ownResubscribe = !(client instanceof Cluster);
      const subscriber: RedisClient = client instanceof Cluster ? client.duplicate() : client.duplicate({ autoResubscribe: false });
      subscriber.on('error', () => {});
      subscribers.add(subscriber);
      subscriber.on('message', (from: string, message: string) => {
        if (from === channel && /^\d+$/.test(message)) listener(Number(message));
      });
      let subscribed = false;
      // After a reconnect: subscribed again; what was published meanwhile is lost.
      subscriber.on('ready', () => {
        if (subscribed && ownResubscribe) subscriber.subscribe(channel).catch(() => undefined);
        listener(null);
      });
      try {
        // The store's connections queue nothing while offline: subscribe once connected.
        await ready(subscriber);
        await run(() => subscriber.subscribe(channel));
        subscribed = true;
      } catch (err) {
        await quit(subscriber);
        throw err;
      }
      return () => quit(subscriber);
    },
    async closeSubscriptions() {
      await Promise.all([...subscribers].map(quit));
    },
  };
}
