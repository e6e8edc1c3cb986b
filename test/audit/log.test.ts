/**
 * The audit trail's transparency logs against both stores: one suite, the real
 * redis-server and the memory store (ARCHITECTURE.md: one shared suite). Appends by group
 * commit, per-tenant logs, browsing newest first, checkpoints, verification, exports that
 * verify offline, and archives that leave Redis only once written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type AuditEvent,
  type AuditEventInput,
  archiveLog,
  checkpointKey,
  consistencyProof,
  createAuditLog,
  createCheckpointer,
  holdingLease,
  exportLog,
  growTree,
  inclusionProof,
  issueCheckpoint,
  leafOf,
  logOrigin,
  verifyExport,
  verifyLog,
} from '../../src/audit/index.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/audit/merkle/index.js';
import { generateAuditKey } from '../../src/keys/index.js';
import { createMemoryStore, createRedisClient, createRedisStore, keys, type Store, StoreUnavailableError, waitForReady } from '../../src/store/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { uniquePrefix } from './helpers.js';

const ISSUER = 'https://id.example.com';
const TENANTS = ['acme', 'globex'];
const key = checkpointKey(await generateAuditKey());

let server: RedisServer | undefined;
const opened: Store[] = [];
const factories = [
  {
    name: 'memory store',
    setup: async () => {},
    make: async () => {
      const store = createMemoryStore({ prefix: uniquePrefix('mem') });
      opened.push(store);
      return { store, second: async () => store };
    },
    teardown: async () => {},
  },
  {
    name: 'redis store',
    setup: async () => {
      server = await startRedisServer();
    },
    make: async () => {
      const prefix = uniquePrefix('redis');
      const open = async () => {
        const client = createRedisClient({ url: server!.url }, 'store');
        const store = createRedisStore(client, { prefix });
        opened.push(store);
        await waitForReady(client, 5_000);
        return store;
      };
      return { store: await open(), second: open };
    },
    teardown: async () => {
      await server?.stop();
    },
  },
];

const started = (admin: string, user: string, tenant?: string, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  type: 'impersonation.started',
  admin,
  user,
  ...(tenant ? { tenant } : {}),
  client: 'console',
  reason: 'ticket #42: cannot see invoices',
  outcome: 'success',
  sid: `sid-${admin}-${user}`,
  details: { adminEmail: `${admin}@gatehouse.dev`, seconds: 1800, viaAccessCode: false },
  ...extra,
});
const newLog = (store: Store, extra = {}) => createAuditLog(store, { tenants: () => TENANTS, issuer: ISSUER, key, ...extra });
const checkpoint = (store: Store, log: string) => issueCheckpoint(store, { issuer: ISSUER, key, log });
async function* lines(text: string) {
  yield* text.split('\n');
}
async function collect(gen: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const line of gen) out += `${line}\n`;
  return out;
}

for (const factory of factories) {
  describe(`audit logs on the ${factory.name}`, () => {
    before(() => factory.setup());
    after(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      await factory.teardown();
    });

    test("each event goes to its tenant's log (or the system log) at the next index", async () => {
      const { store } = await factory.make();
      const log = newLog(store);
      const a = await log.append(started('alice', 'bob', 'acme'));
      const b = await log.append({ type: 'admin.login', admin: 'alice', outcome: 'success' });
      const c = await log.append(started('alice', 'carol', 'acme'));
      assert.match(a.id, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(a.time)));
      assert.deepEqual([a.log, a.index, b.log, b.index, c.log, c.index], ['acme', 0, 'system', 0, 'acme', 1]);
      assert.deepEqual(log.logs(), ['acme', 'globex', 'system']);
      const [stored] = await store.tlogRead(keys.auditLog('acme'), 1, 1);
      assert.equal(stored!.leaf, leafOf(c), 'the leaf is the canonical JSON without log and index');
      const verified = await log.verify();
      assert.equal(verified.ok, true, JSON.stringify(verified.logs));
      assert.equal(verified.count, 3);
    });

    test('append refuses an invalid event and writes nothing', async () => {
      const { store } = await factory.make();
      const log = newLog(store);
      await assert.rejects(log.append({ type: 'impersonation.begun', outcome: 'success' } as unknown as AuditEventInput));
      await assert.rejects(log.append({ type: 'impersonation.denied', outcome: 'failure', code: 'Not A Code' }));
      await assert.rejects(log.append({ type: 'impersonation.denied', outcome: 'failure', tenant: '{audit:x}' }), 'a tenant that is not an id names no log');
      assert.deepEqual((await log.list({}, { limit: 10 })).events, []);
    });

    test('onAppended sees each stored event, and its failure does not fail the append', async () => {
      const { store } = await factory.make();
      const seen: AuditEvent[] = [];
      let calls = 0;
      const log = newLog(store, {
        onAppended: (event: AuditEvent) => {
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

    test('group commit: concurrent appends share store calls, and one log never waits for another', async () => {
      const { store } = await factory.make();
      let calls = 0;
      let holdAcme: (() => void) | undefined;
      const counting: Store = {
        ...store,
        async tlogAppend(log, leaves) {
          calls++;
          if (log.leaves.includes('{audit:acme}') && leaves.some((l) => l.includes('"slow"'))) await new Promise<void>((r) => (holdAcme = r));
          return store.tlogAppend(log, leaves);
        },
      };
      const log = newLog(counting);
      const events = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(started('alice', `u${i}`, 'acme'))));
      assert.deepEqual(events.map((e) => e.index), Array.from({ length: 200 }, (_, i) => i), 'positions in call order, none lost or shared');
      assert.ok(calls < 20, `${calls} store calls for 200 events`);
      // acme's store call hangs; globex's append still completes.
      const slow = log.append(started('alice', 'slow', 'acme', { reason: 'slow' }));
      while (!holdAcme) await new Promise((r) => setImmediate(r));
      const globex = await log.append(started('alice', 'fast', 'globex'));
      assert.equal(globex.index, 0);
      holdAcme();
      assert.equal((await slow).index, 200);
    });

    test('two instances appending to one log at once: every event gets its own position', async () => {
      const { store, second } = await factory.make();
      const logs = [newLog(store), newLog(await second())];
      const results = await Promise.all(Array.from({ length: 150 }, (_, i) => logs[i % 2]!.append(started('alice', `u${i}`, 'acme'))));
      assert.deepEqual(results.map((e) => e.index).sort((a, b) => a - b), Array.from({ length: 150 }, (_, i) => i));
      assert.equal((await logs[0]!.verify()).ok, true);
    });

    test('list: newest first across logs, filters, coverage and cursor pages that cover every match once', async () => {
      const { store } = await factory.make();
      const log = newLog(store);
      const appended: AuditEvent[] = [];
      for (let i = 0; i < 23; i++) appended.push(await log.append(started(i % 3 === 0 ? 'alice' : 'mallory', `user${i}`, i % 2 === 0 ? 'acme' : 'globex')));
      appended.push(await log.append({ type: 'admin.login', admin: 'alice', outcome: 'success' }));
      const all = await log.list({}, { limit: 1000 });
      // Across logs, time orders them (events of one millisecond in any order); within a log, the index.
      assert.deepEqual(new Set(all.events.map((e) => e.id)), new Set(appended.map((e) => e.id)));
      assert.ok(all.events.every((e, i) => i === 0 || all.events[i - 1]!.time >= e.time), 'newest first');
      for (const name of ['acme', 'globex']) {
        const ofLog = all.events.filter((e) => e.log === name);
        assert.ok(ofLog.every((e, i) => i === 0 || ofLog[i - 1]!.index > e.index));
      }
      assert.equal(all.next, undefined);

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

      // Pages across all logs too.
      const walked: string[] = [];
      cursor = undefined;
      do {
        const page = await log.list({}, { limit: 7, ...(cursor ? { before: cursor } : {}) });
        walked.push(...page.events.map((e) => e.id));
        cursor = page.next;
      } while (cursor);
      assert.deepEqual(walked, all.events.map((e) => e.id));

      assert.deepEqual((await log.list({ logs: ['globex'] }, { limit: 100 })).events.map((e) => e.tenant), appended.filter((e) => e.tenant === 'globex').map(() => 'globex'));
      assert.deepEqual((await log.list({ logs: ['globex'], tenant: 'acme' }, { limit: 100 })).events, [], 'a tenant outside the coverage shows nothing');
      const byAdminAndTenant = await log.list({ admin: 'alice', tenant: 'globex' }, { limit: 100 });
      assert.deepEqual(byAdminAndTenant.events.map((e) => e.user), appended.filter((e) => e.admin === 'alice' && e.tenant === 'globex').map((e) => e.user).reverse());
      assert.deepEqual((await log.list({ user: 'user7' }, { limit: 10 })).events.map((e) => e.id), [appended[7]!.id]);
      assert.deepEqual((await log.list({ type: 'admin.login' }, { limit: 10 })).events.map((e) => e.log), ['system']);
      const pivot = appended[10]!;
      const from = await log.list({ from: new Date(pivot.time) }, { limit: 100 });
      assert.ok(from.events.every((e) => Date.parse(e.time) >= Date.parse(pivot.time)) && from.events.some((e) => e.id === pivot.id));
      const to = await log.list({ to: new Date(pivot.time) }, { limit: 100 });
      assert.ok(to.events.every((e) => Date.parse(e.time) <= Date.parse(pivot.time)) && to.events.some((e) => e.id === pivot.id));
      assert.deepEqual((await log.list({ to: new Date(Date.parse(appended[0]!.time) - 1) }, { limit: 10 })).events, []);
      assert.deepEqual(await log.list({}, { limit: 5, before: 'no-such-cursor' }), { events: [] });
    });

    test('list pages across the store read size', async () => {
      const { store } = await factory.make();
      const log = newLog(store);
      await Promise.all(Array.from({ length: 1203 }, (_, i) => log.append(started('alice', `u${i}`, 'acme'))));
      const first = await log.list({}, { limit: 1000 });
      assert.equal(first.events.length, 1000);
      assert.equal(first.events[0]!.index, 1202);
      const rest = await log.list({}, { limit: 1000, before: first.next! });
      assert.equal(rest.events.length, 203);
      assert.equal(rest.next, undefined);
      assert.equal(rest.events.at(-1)!.index, 0);
    });

    test('checkpoints: signed, kept once per size, and the log verifies against them with proofs', async () => {
      const { store } = await factory.make();
      const log = newLog(store);
      for (let i = 0; i < 21; i++) await log.append(started('alice', `u${i}`, 'acme'));
      const first = await checkpoint(store, 'acme');
      assert.equal(first.fresh, true);
      assert.equal(first.checkpoint.size, 21);
      assert.equal((await checkpoint(store, 'acme')).fresh, false, 'nothing new: no new checkpoint');
      for (let i = 21; i < 37; i++) await log.append(started('alice', `u${i}`, 'acme'));
      const second = (await checkpoint(store, 'acme')).checkpoint;
      const result = await verifyLog(store, { log: 'acme', origin: logOrigin(ISSUER, 'acme'), key, given: [first.checkpoint.note] });
      assert.deepEqual({ ok: result.ok, checked: result.checked, checkpoints: result.checkpoints }, { ok: true, checked: 37, checkpoints: 3 });
      const proof = await consistencyProof(store, keys.auditLog('acme'), 21, 37);
      assert.ok(verifyConsistency(21, 37, first.checkpoint.root, second.root, proof));
      const [leaf] = await store.tlogRead(keys.auditLog('acme'), 30, 1);
      assert.ok(verifyInclusion(30, 37, leafHash(leaf!.leaf), await inclusionProof(store, keys.auditLog('acme'), 30, 37), second.root));
      // Appends and a checkpoint while a verification runs are growth, not truncation.
      let grown = false;
      const busy: Store = {
        ...store,
        async tlogState(keys_) {
          const state = await store.tlogState(keys_);
          if (!grown) {
            grown = true;
            for (let i = 37; i < 42; i++) await log.append(started('alice', `u${i}`, 'acme'));
            await checkpoint(store, 'acme');
          }
          return state;
        },
      };
      const during = await verifyLog(busy, { log: 'acme', origin: logOrigin(ISSUER, 'acme'), key });
      assert.equal(during.ok, true, JSON.stringify(during.problem));
      // An empty log has a checkpoint too (size 0, the empty root).
      assert.equal((await checkpoint(store, 'globex')).checkpoint.size, 0);
    });

    test('checkpointers: periodic rounds, one lease holder at a time, each new checkpoint announced once', async () => {
      const { store, second } = await factory.make();
      const log = newLog(store);
      const announced: string[] = [];
      const make = (s: Store) =>
        createCheckpointer({ store: s, issuer: ISSUER, key, logs: () => ['acme'], intervalSeconds: 1, onCheckpoint: (c) => void announced.push(`${c.log}:${c.size}`) });
      const [a, b] = [make(store), make(await second())];
      for (let i = 0; i < 5; i++) await log.append(started('alice', `u${i}`, 'acme'));
      // Both at once: both answer the same checkpoint, signed once.
      const [fromA, fromB] = await Promise.all([a.checkpointNow(), b.checkpointNow()]);
      assert.equal(fromA[0]!.note, fromB[0]!.note);
      assert.deepEqual(announced, ['acme:5']);
      // While someone holds the lease, no round runs.
      await store.set(keys.auditCheckpointLease(), 'someone else', { ttl: 30 });
      assert.equal(await holdingLease(store, 0, async () => assert.fail('ran without the lease')), null);
      await store.del(keys.auditCheckpointLease());
      // Periodic: appends get a checkpoint within a round or two, announced once.
      a.start();
      b.start();
      try {
        await log.append(started('alice', 'late', 'acme'));
        const deadline = Date.now() + 10_000;
        while (!announced.includes('acme:6')) {
          assert.ok(Date.now() < deadline, 'a checkpoint of size 6 within 10 s');
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
      assert.deepEqual(announced, ['acme:5', 'acme:6']);
    });

    test('exports verify offline, whole or filtered with proofs; a changed line does not', async () => {
      const { store } = await factory.make();
      const log = newLog(store);
      for (let i = 0; i < 30; i++) await log.append(started(i % 2 ? 'alice' : 'mallory', `u${i}`, 'acme'));
      const saved = (await checkpoint(store, 'acme')).checkpoint.note;
      await log.append(started('alice', 'late', 'acme'));
      const whole = await collect(exportLog(store, { log: 'acme' }));
      assert.equal(whole.trim().split('\n').length, 31, 'header and 30 entries: not the one after the checkpoint');
      assert.deepEqual(await verifyExport(lines(whole), { key, given: [saved] }), { ok: true, sections: [{ log: 'acme', kind: 'export', from: 0, to: 30, entries: 30, filtered: false }] });
      const filtered = await collect(exportLog(store, { log: 'acme', filter: { admin: 'alice' } }));
      const result = await verifyExport(lines(filtered), { key });
      assert.equal(result.ok, true, result.problem);
      assert.equal(result.sections[0]!.entries, 15);
      const edited = whole.replace('"user":"u7"', '"user":"u8"');
      assert.match((await verifyExport(lines(edited), { key })).problem!, /do not hash to the checkpoint/);
      const dropped = whole.split('\n').filter((l) => !l.includes('"user":"u29"')).join('\n');
      assert.match((await verifyExport(lines(dropped), { key })).problem!, /entries are missing/);
      const forgedProof = filtered.replace('"user":"u1"', '"user":"u3"');
      assert.match((await verifyExport(lines(forgedProof), { key })).problem!, /not in the checkpoint/);
      const otherKey = checkpointKey(await generateAuditKey());
      assert.equal((await verifyExport(lines(whole), { key: otherKey })).ok, false, 'another key does not verify it');
    });

    test('archive: old entries leave only once written; archive and what remains still verify', async () => {
      const { store } = await factory.make();
      const log = newLog(store);
      for (let i = 0; i < 40; i++) await log.append(started('alice', `u${i}`, 'acme'));
      const early = (await checkpoint(store, 'acme')).checkpoint;
      for (let i = 40; i < 55; i++) await log.append(started('alice', `u${i}`, 'acme'));
      const dir = mkdtempSync(join(tmpdir(), 'gatehouse-archive-'));
      const none = await archiveLog(store, { log: 'acme', issuer: ISSUER, key, dir, cutoff: new Date(Date.parse(early.time) - 1) });
      assert.equal(none, null, 'no checkpoint old enough: nothing archived');
      const archived = await archiveLog(store, { log: 'acme', issuer: ISSUER, key, dir, cutoff: new Date() });
      assert.deepEqual({ from: archived?.from, to: archived?.to }, { from: 0, to: 40 });
      assert.deepEqual(readdirSync(dir), ['acme-000000000000-000000000040.ndjson']);
      const state = await store.tlogState(keys.auditLog('acme'));
      assert.deepEqual([state.trimmed, state.size], [40, 55]);
      assert.equal((await store.tlogRead(keys.auditLog('acme'), 0, 100))[0]!.index, 40);
      // What remains: verifies from the pinned frontier, proves, checkpoints and exports.
      const later = (await checkpoint(store, 'acme')).checkpoint;
      assert.equal((await verifyLog(store, { log: 'acme', origin: logOrigin(ISSUER, 'acme'), key })).ok, true);
      const [leaf] = await store.tlogRead(keys.auditLog('acme'), 50, 1);
      assert.ok(verifyInclusion(50, 55, leafHash(leaf!.leaf), await inclusionProof(store, keys.auditLog('acme'), 50, 55), later.root));
      assert.ok(verifyConsistency(40, 55, early.root, later.root, await consistencyProof(store, keys.auditLog('acme'), 40, 55)));
      await assert.rejects(inclusionProof(store, keys.auditLog('acme'), 3, 55), /archived/);
      // The archive then the export of the rest: one chain, verified offline.
      const archive = readFileSync(archived!.file, 'utf8');
      const rest = await collect(exportLog(store, { log: 'acme' }));
      const chained = await verifyExport(lines(archive + rest), { key, given: [early.note] });
      assert.equal(chained.ok, true, chained.problem);
      assert.deepEqual(chained.sections.map((s) => [s.kind, s.from, s.to]), [['archive', 0, 40], ['export', 40, 55]]);
      assert.equal((await verifyExport(lines(archive.replace('"user":"u5"', '"user":"u6"')), { key })).ok, false);
    });

    test('append writes nothing and throws when the store is unreachable', async () => {
      const { store } = await factory.make();
      const broken: Store = { ...store, tlogAppend: async () => Promise.reject(new StoreUnavailableError(new Error('down'))) };
      const log = newLog(broken, { onAppended: () => assert.fail('nothing may be announced') });
      await assert.rejects(log.append(started('alice', 'bob', 'acme')), StoreUnavailableError);
      assert.equal((await store.tlogState(keys.auditLog('acme'))).size, 0);
    });
  });
}

describe('audit log when Redis goes away', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis.stop();
  });

  test('append rejects with StoreUnavailableError, then appends again once Redis is back', async () => {
    const client = createRedisClient({ url: redis.url }, 'store');
    await waitForReady(client, 5_000);
    const store = createRedisStore(client, { prefix: uniquePrefix('down') });
    const announced: AuditEvent[] = [];
    const log = newLog(store, { onAppended: (e: AuditEvent) => void announced.push(e) });
    await log.append(started('alice', 'bob', 'acme'));
    await redis.stop();
    await assert.rejects(log.append(started('alice', 'carol', 'acme')), StoreUnavailableError);
    assert.equal(announced.length, 1);
    await redis.restart();
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await log.append(started('alice', 'dave', 'acme'));
        break;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // This Redis keeps nothing across restarts: the log starts again, and verifies.
    assert.equal((await log.verify()).ok, true);
    await growTree(store, keys.auditLog('acme'));
    await store.close();
  });
});
