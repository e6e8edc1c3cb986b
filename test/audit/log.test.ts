/**
 * The audit log against both stores: one suite, the real redis-server and the memory
 * store (ARCHITECTURE.md: "tested with the real Redis and with the memory store by one
 * shared suite").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AuditEvent, type AuditEventInput, GENESIS_HASH, createAuditLog, hashAuditEvent } from '../../src/audit/index.js';
import {
  type RedisClient,
  type Store,
  StoreUnavailableError,
  createMemoryStore,
  createRedisClient,
  createRedisStore,
  waitForReady,
} from '../../src/store/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { uniquePrefix } from './helpers.js';

interface StoreFactory {
  name: string;
  setup(): Promise<void>;
  /** A fresh, empty store (its own prefix); `second` shares its data over another connection. */
  make(): Promise<{ store: Store; second: () => Promise<Store> }>;
  teardown(): Promise<void>;
}

let server: RedisServer | undefined;
const opened: Store[] = [];

const factories: StoreFactory[] = [
  {
    name: 'memory store',
    async setup() {},
    async make() {
      const store = createMemoryStore({ prefix: uniquePrefix('mem') });
      opened.push(store);
      // One process: a second "instance" is a second audit log over the same store.
      return { store, second: async () => store };
    },
    async teardown() {},
  },
  {
    name: 'redis store',
    async setup() {
      server = await startRedisServer();
    },
    async make() {
      const url = server!.url;
      const prefix = uniquePrefix('redis');
      const open = async () => {
        const client = createRedisClient({ url }, 'store');
        const store = createRedisStore(client, { prefix });
        opened.push(store);
        await waitForReady(client, 5_000);
        return store;
      };
      return { store: await open(), second: open };
    },
    async teardown() {
      await server?.stop();
    },
  },
];

const started = (admin: string, user: string, tenant: string, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  type: 'impersonation.started',
  admin,
  user,
  tenant,
  client: 'console',
  reason: 'ticket #42: cannot see invoices',
  outcome: 'success',
  requestId: 'req-1',
  ip: '203.0.113.9',
  userAgent: 'test-agent',
  sid: `sid-${admin}-${user}`,
  details: { adminEmail: `${admin}@gatehouse.dev`, seconds: 1800, viaAccessCode: false },
  ...extra,
});

for (const factory of factories) {
  describe(`audit log on the ${factory.name}`, () => {
    before(() => factory.setup());
    after(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      await factory.teardown();
    });

    test('append stamps id and time and links each event to the one before', async () => {
      const { store } = await factory.make();
      const log = createAuditLog(store);
      const first = await log.append(started('alice', 'bob', 'acme'));
      const second = await log.append({ type: 'impersonation.ended', admin: 'alice', user: 'bob', tenant: 'acme', outcome: 'success', code: 'ended_by_admin' });

      assert.match(first.id, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(first.time)));
      assert.equal(first.prevHash, GENESIS_HASH);
      assert.equal(first.hash, hashAuditEvent(first));
      assert.equal(second.prevHash, first.hash);
      assert.notEqual(first.id, second.id);
      assert.deepEqual(await log.verify(), { ok: true, count: 2, head: second.hash });
    });

    test('an empty log verifies', async () => {
      const { store } = await factory.make();
      assert.deepEqual(await createAuditLog(store).verify(), { ok: true, count: 0 });
    });

    test('append refuses an invalid event and writes nothing', async () => {
      const { store } = await factory.make();
      const log = createAuditLog(store);
      await assert.rejects(log.append({ type: 'impersonation.begun', outcome: 'success' } as unknown as AuditEventInput));
      await assert.rejects(log.append({ type: 'impersonation.denied', outcome: 'maybe' } as unknown as AuditEventInput));
      await assert.rejects(log.append({ type: 'impersonation.denied', outcome: 'failure', code: 'Not A Code' }));
      assert.deepEqual((await log.list({}, { limit: 10 })).events, []);
      // The chain is not poisoned by the refusals.
      await log.append({ type: 'impersonation.denied', outcome: 'failure', code: 'actor_not_stepped_up', admin: 'alice' });
      assert.equal((await log.verify()).ok, true);
    });

    test('onAppended sees each stored event, and its failure does not fail the append', async () => {
      const { store } = await factory.make();
      const seen: AuditEvent[] = [];
      let calls = 0;
      const log = createAuditLog(store, {
        onAppended: (event) => {
          calls++;
          if (calls === 1) throw new Error('notifier broke');
          seen.push(event);
          return calls === 2 ? Promise.reject(new Error('async notifier broke')) : undefined;
        },
      });
      await log.append(started('alice', 'bob', 'acme'));
      const second = await log.append(started('alice', 'carol', 'acme'));
      const third = await log.append(started('alice', 'dave', 'acme'));
      assert.deepEqual(seen, [second, third]);
    });

    test('list: newest first, filters, and cursor pages that cover every match once', async () => {
      const { store } = await factory.make();
      const log = createAuditLog(store);
      const appended: AuditEvent[] = [];
      for (let i = 0; i < 23; i++) {
        const tenant = i % 2 === 0 ? 'acme' : 'globex';
        const admin = i % 3 === 0 ? 'alice' : 'mallory';
        appended.push(await log.append(started(admin, `user${i}`, tenant)));
      }
      appended.push(await log.append({ type: 'admin.login', admin: 'alice', outcome: 'success' }));

      const all = await log.list({}, { limit: 1000 });
      assert.deepEqual(
        all.events.map((e) => e.id),
        appended.map((e) => e.id).reverse(),
      );
      assert.equal(all.next, undefined);

      // Walk acme's events five at a time.
      const acme = appended.filter((e) => e.tenant === 'acme').reverse();
      const pages: AuditEvent[][] = [];
      let cursor: string | undefined;
      do {
        const page = await log.list({ tenant: 'acme' }, { limit: 5, ...(cursor ? { before: cursor } : {}) });
        pages.push(page.events);
        cursor = page.next;
      } while (cursor);
      assert.deepEqual(pages.map((p) => p.length), [5, 5, 2]);
      assert.deepEqual(pages.flat().map((e) => e.id), acme.map((e) => e.id));

      const byAdminAndTenant = await log.list({ admin: 'alice', tenant: 'globex' }, { limit: 100 });
      assert.deepEqual(
        byAdminAndTenant.events.map((e) => e.user),
        appended.filter((e) => e.admin === 'alice' && e.tenant === 'globex').map((e) => e.user).reverse(),
      );
      assert.deepEqual((await log.list({ user: 'user7' }, { limit: 10 })).events.map((e) => e.id), [appended[7]!.id]);
      assert.deepEqual(
        (await log.list({ type: 'admin.login' }, { limit: 10 })).events.map((e) => e.type),
        ['admin.login'],
      );
      assert.equal((await log.list({ type: ['admin.login', 'impersonation.started'] }, { limit: 100 })).events.length, 24);

      // Time bounds are inclusive.
      const pivot = appended[10]!;
      const from = await log.list({ from: new Date(pivot.time) }, { limit: 100 });
      assert.ok(from.events.every((e) => Date.parse(e.time) >= Date.parse(pivot.time)));
      assert.ok(from.events.some((e) => e.id === pivot.id));
      const to = await log.list({ to: new Date(pivot.time) }, { limit: 100 });
      assert.ok(to.events.every((e) => Date.parse(e.time) <= Date.parse(pivot.time)));
      assert.ok(to.events.some((e) => e.id === pivot.id));
      assert.deepEqual((await log.list({ to: new Date(Date.parse(appended[0]!.time) - 1) }, { limit: 10 })).events, []);

      // A cursor that names no event is an empty page, not the first page again.
      assert.deepEqual(await log.list({}, { limit: 5, before: 'no-such-event' }), { events: [] });
    });

    test('list pages across the store read size', async () => {
      const { store } = await factory.make();
      const log = createAuditLog(store);
      await Promise.all(Array.from({ length: 1203 }, (_, i) => log.append(started('alice', `u${i}`, 'acme'))));
      const first = await log.list({}, { limit: 1000 });
      assert.equal(first.events.length, 1000);
      assert.equal(first.events[0]!.user, 'u1202');
      const rest = await log.list({}, { limit: 1000, before: first.next! });
      assert.equal(rest.events.length, 203);
      assert.equal(rest.next, undefined);
      assert.equal(rest.events.at(-1)!.user, 'u0');
      assert.deepEqual(await log.verify(), { ok: true, count: 1203, head: first.events[0]!.hash });
    });

    test('exportNdjson: oldest first, filtered, byte-exact stored events', async () => {
      const { store } = await factory.make();
      const log = createAuditLog(store);
      const a = await log.append(started('alice', 'bob', 'acme'));
      await log.append(started('alice', 'eve', 'globex'));
      const c = await log.append({ type: 'impersonation.ended', admin: 'alice', user: 'bob', tenant: 'acme', outcome: 'success' });

      const lines: string[] = [];
      for await (const line of log.exportNdjson({ tenant: 'acme' })) lines.push(line);
      assert.ok(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n')));
      const exported = lines.map((line) => JSON.parse(line) as AuditEvent);
      assert.deepEqual(exported, [a, c]);
      // Each exported event still proves itself: an auditor can check hashes offline.
      assert.ok(exported.every((event) => event.hash === hashAuditEvent(event)));

      let count = 0;
      for await (const _ of log.exportNdjson()) count++;
      assert.equal(count, 3);
    });

    test('concurrent appends from two instances on two connections make one unbroken chain', async () => {
      const { store, second } = await factory.make();
      // Count lost head races, to be sure the retry path ran and not just one writer.
      let conflicts = 0;
      const counting = (inner: Store): Store => ({
        ...inner,
        async appendChained(...args) {
          const result = await inner.appendChained(...args);
          if (!result.ok) conflicts++;
          return result;
        },
      });
      const logs = [createAuditLog(counting(store)), createAuditLog(counting(await second()))];
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          logs[i % 2]!.append(started(i % 2 ? 'alice' : 'mallory', `user${i}`, 'acme')),
        ),
      );
      assert.equal(new Set(results.map((e) => e.id)).size, 100);
      assert.equal(new Set(results.map((e) => e.prevHash)).size, 100, 'no two events share a predecessor: no fork');
      const verified = await logs[0]!.verify();
      assert.equal(verified.ok, true, JSON.stringify(verified.problem));
      assert.equal(verified.count, 100);
      assert.ok(conflicts > 0, 'the two instances raced for the head');
      // And appending continues the same chain from either instance.
      const next = await logs[1]!.append(started('alice', 'late', 'acme'));
      assert.equal((await logs[0]!.verify()).head, next.hash);
    });

    test('verify names the first tampered event and the kind of tampering', async () => {
      // A store whose stream reads can be doctored, to prove verify on either store;
      // redis-tamper.test.ts does the same with real edits of the Redis stream.
      const { store } = await factory.make();
      const log = createAuditLog(store);
      const events: AuditEvent[] = [];
      for (let i = 0; i < 5; i++) events.push(await log.append(started('alice', `u${i}`, 'acme')));

      const doctored = (change: (entries: Awaited<ReturnType<Store['readStream']>>) => void): Store => ({
        ...store,
        async readStream(key, afterId, count) {
          if (afterId !== '0') return [];
          const entries = await store.readStream(key, afterId, 1000);
          change(entries);
          return entries.slice(0, count);
        },
      });
      const rewrite = (entry: { fields: Record<string, string> }, edit: (e: AuditEvent) => void) => {
        const event = JSON.parse(entry.fields.event!) as AuditEvent;
        edit(event);
        entry.fields.event = JSON.stringify(event);
      };

      const edited = await createAuditLog(
        doctored((entries) =>
          rewrite(entries[2]!, (e) => {
            e.reason = 'nothing to see';
          }),
        ),
      ).verify();
      assert.deepEqual(edited, { ok: false, count: 2, problem: { id: events[2]!.id, index: 2, kind: 'edited' } });

      const garbled = await createAuditLog(
        doctored((entries) => {
          entries[1]!.fields.event = '{not json';
        }),
      ).verify();
      assert.equal(garbled.problem?.kind, 'edited');
      assert.equal(garbled.problem?.index, 1);

      const rehashed = await createAuditLog(
        doctored((entries) =>
          rewrite(entries[2]!, (e) => {
            e.user = 'someone-else';
            e.hash = hashAuditEvent(e);
          }),
        ),
      ).verify();
      assert.deepEqual(rehashed.problem, { id: events[3]!.id, index: 3, kind: 'broken_link' });

      const middleGone = await createAuditLog(doctored((entries) => void entries.splice(1, 1))).verify();
      assert.deepEqual(middleGone.problem, { id: events[2]!.id, index: 1, kind: 'broken_link' });

      const firstGone = await createAuditLog(doctored((entries) => void entries.splice(0, 1))).verify();
      assert.deepEqual(firstGone.problem, { id: events[1]!.id, index: 0, kind: 'broken_link' });

      const tailGone = await createAuditLog(doctored((entries) => void entries.pop())).verify();
      assert.deepEqual(tailGone, { ok: false, count: 4, problem: { id: events[3]!.id, index: 3, kind: 'head_mismatch' } });

      const allGone = await createAuditLog(doctored((entries) => void entries.splice(0))).verify();
      assert.equal(allGone.problem?.kind, 'head_mismatch');

      assert.equal((await log.verify()).ok, true, 'the real stream was never touched');
    });

    test('append writes nothing and throws when the store is unreachable', async () => {
      const { store } = await factory.make();
      const log = createAuditLog(store, { onAppended: () => assert.fail('nothing may be announced') });
      const broken: Store = {
        ...store,
        appendChained: async () => {
          throw new StoreUnavailableError(new Error('down'));
        },
      };
      await assert.rejects(createAuditLog(broken).append(started('alice', 'bob', 'acme')), StoreUnavailableError);
      assert.deepEqual(await log.verify(), { ok: true, count: 0 });
    });
  });
}

describe('audit log when Redis goes away', () => {
  let redis: RedisServer;
  let client: RedisClient;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis.stop();
  });

  test('append rejects with StoreUnavailableError and the chain resumes after Redis is back', async () => {
    client = createRedisClient({ url: redis.url }, 'store');
    await waitForReady(client, 5_000);
    const store = createRedisStore(client, { prefix: uniquePrefix('down') });
    const announced: AuditEvent[] = [];
    const log = createAuditLog(store, { onAppended: (e) => void announced.push(e) });
    // Redis here is in-memory only (no persistence), so the restart empties it: the
    // chain then restarts from genesis, which verify accepts for an empty stream.
    await log.append(started('alice', 'bob', 'acme'));
    await redis.stop();
    await assert.rejects(log.append(started('alice', 'carol', 'acme')), StoreUnavailableError);
    assert.equal(announced.length, 1);
    await redis.restart();
    const after = await waitForAppend(() => log.append(started('alice', 'dave', 'acme')));
    assert.equal(after.prevHash, GENESIS_HASH);
    assert.deepEqual(await log.verify(), { ok: true, count: 1, head: after.hash });
    await store.close();
  });
});

async function waitForAppend(append: () => Promise<AuditEvent>): Promise<AuditEvent> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await append();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
