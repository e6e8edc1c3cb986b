import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createMemoryStore,
  createRedisClient,
  createRedisStore,
  createStore,
  keys,
  type Store,
  StoreUnavailableError,
  waitForReady,
} from '../src/store/index.js';
import { startRedisServer, testRedisUrl } from './helpers/redis-server.js';

/** `store` and `peer` share data; for Redis they are two separate connections. */
interface Harness {
  store: Store;
  peer: Store;
  close(): Promise<void>;
}

/** One contract, run against every Store implementation (ARCHITECTURE.md: one shared suite). */
function storeContract(name: string, open: () => Promise<Harness>): void {
  describe(`Store contract: ${name}`, () => {
    let h: Harness;
    let store: Store;
    before(async () => {
      h = await open();
      store = h.store;
    });
    after(() => h.close());
    const key = (label: string) => `test:${label}:${randomUUID()}`;

    it('pings', async () => {
      await store.ping();
    });

    it('gets, sets and deletes strings', async () => {
      const k = key('str');
      assert.equal(await store.get(k), null);
      assert.equal(await store.set(k, 'v1'), true);
      assert.equal(await store.get(k), 'v1');
      assert.equal(await store.del(k), 1);
      assert.equal(await store.del(k), 0);
      assert.equal(await store.get(k), null);
    });

    it('set nx refuses an existing key; plain set overwrites and drops the TTL', async () => {
      const k = key('nx');
      assert.equal(await store.set(k, 'first', { nx: true, ttl: 100 }), true);
      assert.equal(await store.set(k, 'second', { nx: true }), false);
      assert.equal(await store.get(k), 'first');
      assert.equal(await store.ttl(k), 100);
      assert.equal(await store.set(k, 'third'), true);
      assert.equal(await store.get(k), 'third');
      assert.equal(await store.ttl(k), -1);
    });

    it('reports ttl as Redis does and expire(0) deletes', async () => {
      const k = key('ttl');
      assert.equal(await store.ttl(k), -2);
      await store.expire(k, 10); // a missing key stays missing
      assert.equal(await store.ttl(k), -2);
      await store.set(k, 'v');
      assert.equal(await store.ttl(k), -1);
      await store.expire(k, 50);
      assert.equal(await store.ttl(k), 50);
      await store.expire(k, 0);
      assert.equal(await store.get(k), null);
    });

    it('incr sets the TTL only when it creates the counter', async () => {
      const k = key('incr');
      assert.equal(await store.incr(k, 100), 1);
      assert.equal(await store.ttl(k), 100);
      await store.expire(k, 30);
      assert.equal(await store.incr(k, 100), 2);
      assert.equal(await store.ttl(k), 30);
      const plain = key('incr-plain');
      assert.equal(await store.incr(plain), 1);
      assert.equal(await store.incr(plain), 2);
      assert.equal(await store.ttl(plain), -1);
      const text = key('incr-text');
      await store.set(text, 'abc');
      await assert.rejects(store.incr(text), /not an integer/);
    });

    it('getdel hands the value to exactly one of 200 concurrent callers', async () => {
      const k = key('getdel');
      assert.equal(await store.getdel(k), null);
      await store.set(k, 'once');
      assert.equal(await store.getdel(k), 'once');
      assert.equal(await store.get(k), null);

      await store.set(k, 'ticket');
      const callers = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? h.store : h.peer).getdel(k));
      const winners = (await Promise.all(callers)).filter((v) => v !== null);
      assert.deepEqual(winners, ['ticket']);
    });

    it('hashes: hset merges, hgetall, hsetnx, missing is null', async () => {
      const k = key('hash');
      assert.equal(await store.hgetall(k), null);
      await store.hset(k, { a: '1', b: '2' });
      await store.hset(k, { b: '3', c: '4' }, 100);
      assert.deepEqual(await store.hgetall(k), { a: '1', b: '3', c: '4' });
      assert.equal(await store.ttl(k), 100);
      assert.equal(await store.hsetnx(k, 'a', 'x'), false);
      assert.equal(await store.hsetnx(k, 'd', '5'), true);
      assert.deepEqual(await store.hgetall(k), { a: '1', b: '3', c: '4', d: '5' });
      const fresh = key('hsetnx');
      assert.equal(await store.hsetnx(fresh, 'f', 'v'), true);
      assert.deepEqual(await store.hgetall(fresh), { f: 'v' });
    });

    it('hsetIfMatches: one of 200 concurrent compare-and-sets from one state wins; a missing hash stays missing', async () => {
      const k = key('cas');
      const missing = key('cas-missing');
      assert.equal(await store.hsetIfMatches(missing, { state: 'pending' }, { state: 'approved' }), false);
      assert.equal(await store.ttl(missing), -2, 'no stray hash for an unknown key');
      await store.hset(k, { state: 'pending' }, 60);
      assert.equal(await store.hsetIfMatches(k, { state: 'approved' }, { usedAt: '1' }), false, 'a value that does not match refuses');
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          (i % 2 ? h.peer : store).hsetIfMatches(k, { state: 'pending', decidedBy: null }, { state: i % 3 ? 'approved' : 'denied', decidedBy: String(i) }),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const after1 = await store.hgetall(k);
      assert.ok(after1?.decidedBy && ['approved', 'denied'].includes(after1.state!));
      assert.ok((await store.ttl(k)) > 0 && (await store.ttl(k)) <= 60, 'the hash keeps its TTL');
      assert.equal(await store.hsetIfMatches(k, { state: after1!.state!, usedAt: null }, { usedAt: '1' }), true);
      assert.equal(await store.hsetIfMatches(k, { state: after1!.state!, usedAt: null }, { usedAt: '2' }), false, 'absence is checked');
    });

    it('hashReads: whole hashes and chosen fields of several keys at once', async () => {
      const [a, b, c] = [key('ra'), key('rb'), key('rc')];
      await store.hset(a, { x: '1', y: '2' });
      await store.hset(b, { disabled: '0', roles: '[]', name: 'n' });
      assert.deepEqual(
        await store.hashReads([{ key: a }, { key: b, fields: ['disabled', 'roles', 'absent'] }, { key: c }, { key: a, fields: ['absent'] }]),
        [{ x: '1', y: '2' }, { disabled: '0', roles: '[]' }, null, null],
      );
      assert.deepEqual(await store.hashReads([]), []);
    });

    it('hdelIfEquals deletes only while the field holds the value, with the fields named after it', async () => {
      const k = key('give-back');
      await store.hset(k, { record: 'r', consumedAt: 'mine', replayedAt: 't' });
      assert.equal(await store.hdelIfEquals(k, 'consumedAt', 'theirs', ['replayedAt']), false);
      assert.deepEqual(await store.hgetall(k), { record: 'r', consumedAt: 'mine', replayedAt: 't' });
      assert.equal(await store.hdelIfEquals(k, 'consumedAt', 'mine', ['replayedAt']), true);
      assert.deepEqual(await store.hgetall(k), { record: 'r' });
      assert.equal(await store.hdelIfEquals(k, 'consumedAt', 'mine'), false);
      assert.equal(await store.hdelIfEquals(key('none'), 'f', 'v'), false);
    });

    it('waitForReplicas returns at once without replicas (auto)', async () => {
      await store.set(key('durable'), 'v');
      await store.waitForReplicas(key('durable'));
    });

    it('zadd trims members below trimBelow and sets the TTL, in one step', async () => {
      const k = key('trimmed');
      for (const [score, m] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) await store.zadd(k, score, m);
      await store.zadd(k, 5, 'e', { trimBelow: 3, ttl: 100 });
      assert.deepEqual(await store.zrevrange(k, 0, -1), ['e', 'c']);
      assert.equal(await store.ttl(k), 100);
      await store.zadd(k, 1, 'z', { trimBelow: 10 });
      assert.deepEqual(await store.zrevrange(k, 0, -1), [], 'everything below the bound goes, the new member too');
      assert.equal(await store.ttl(k), -2);
    });

    it('sets: sadd, smembers, srem; the last srem deletes the key', async () => {
      const k = key('set');
      assert.deepEqual(await store.smembers(k), []);
      await store.sadd(k, 'b');
      await store.sadd(k, 'a', 100);
      await store.sadd(k, 'a');
      assert.deepEqual((await store.smembers(k)).sort(), ['a', 'b']);
      assert.equal(await store.ttl(k), 100);
      await store.srem(k, 'b');
      await store.srem(k, 'missing');
      assert.deepEqual(await store.smembers(k), ['a']);
      await store.srem(k, 'a');
      assert.equal(await store.ttl(k), -2);
    });

    it('sorted sets: zrevrange follows Redis index rules', async () => {
      const k = key('zset');
      assert.deepEqual(await store.zrevrange(k, 0, -1), []);
      for (const [score, member] of [[1, 'one'], [3, 'three'], [2, 'two'], [4, 'four']] as const) {
        await store.zadd(k, score, member);
      }
      assert.deepEqual(await store.zrevrange(k, 0, -1), ['four', 'three', 'two', 'one']);
      assert.deepEqual(await store.zrevrange(k, 0, 1), ['four', 'three']);
      assert.deepEqual(await store.zrevrange(k, 1, -2), ['three', 'two']);
      assert.deepEqual(await store.zrevrange(k, -2, -1), ['two', 'one']);
      assert.deepEqual(await store.zrevrange(k, -100, 100), ['four', 'three', 'two', 'one']);
      assert.deepEqual(await store.zrevrange(k, 3, 1), []);
      assert.deepEqual(await store.zrevrange(k, 10, 20), []);
      await store.zadd(k, 10, 'one'); // re-adding updates the score
      await store.zrem(k, 'three');
      assert.deepEqual(await store.zrevrange(k, 0, -1), ['one', 'four', 'two']);
      await store.zadd(k, 4, 'four-b'); // equal scores: member descending
      assert.deepEqual(await store.zrevrange(k, 1, 2), ['four-b', 'four']);
    });

    it('capped lists: rpushCapped appends whole batches within the cap, lrange and llen read them', async () => {
      const k = key('list');
      assert.equal(await store.llen(k), 0);
      assert.deepEqual(await store.lrange(k, 0, -1), []);
      assert.equal(await store.rpushCapped(k, ['a', 'b'], { max: 5, ttl: 60 }), 2);
      assert.equal(await store.rpushCapped(k, ['c', 'd', 'e', 'f'], { max: 5, ttl: 60 }), null, 'a batch that does not fit is refused whole');
      assert.equal(await store.rpushCapped(k, ['c', 'd', 'e'], { max: 5, ttl: 60 }), 5);
      assert.deepEqual(await h.peer.lrange(k, 0, -1), ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(await store.lrange(k, 1, -2), ['b', 'c', 'd']);
      assert.deepEqual(await store.lrange(k, -2, 100), ['d', 'e']);
      assert.equal(await store.llen(k), 5);
      assert.ok((await store.ttl(k)) > 50);
      await assert.rejects(store.rpushCapped(k, [], { max: 5, ttl: 60 }));
    });

    it('rpushCapped never passes its cap under 200 concurrent batches from two connections', async () => {
      const k = key('list-race');
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? h.peer : store).rpushCapped(k, [`${i}a`, `${i}b`, `${i}c`], { max: 100, ttl: 60 })),
      );
      assert.equal(results.filter((r) => r !== null).length, 33);
      assert.equal(await store.llen(k), 99);
    });

    it('appendChained appends only on the expected head', async () => {
      const [stream, head] = [key('{chain}:events'), key('{chain}:head')];
      const first = await store.appendChained(stream, head, null, 'h1', { type: 'a', n: '1' });
      assert.equal(first.ok, true);
      assert.match(first.id!, /^\d+-\d+$/);
      assert.equal(await store.get(head), 'h1');

      assert.deepEqual(await store.appendChained(stream, head, null, 'hX', { n: 'x' }), { ok: false, head: 'h1' });
      assert.deepEqual(await store.appendChained(stream, head, 'h0', 'hX', { n: 'x' }), { ok: false, head: 'h1' });
      const second = await store.appendChained(stream, head, 'h1', 'h2', { type: 'b', n: '2' });
      assert.equal(second.ok, true);
      assert.equal(await store.get(head), 'h2');

      const entries = await store.readStream(stream, '0', 10);
      assert.deepEqual(entries, [
        { id: first.id, fields: { type: 'a', n: '1' } },
        { id: second.id, fields: { type: 'b', n: '2' } },
      ]);
      await assert.rejects(store.appendChained(stream, head, 'h2', 'h3', {}));
    });

    it('readStream pages after a given id with increasing ids', async () => {
      const [stream, head] = [key('{chain}:events'), key('{chain}:head')];
      assert.deepEqual(await store.readStream(stream, '0', 10), []);
      let previous: string | null = null;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const result = await store.appendChained(stream, head, previous, `h${i}`, { i: String(i) });
        assert.equal(result.ok, true);
        ids.push(result.id!);
        previous = `h${i}`;
      }
      const asNumbers = ids.map((id) => id.split('-').map(BigInt) as [bigint, bigint]);
      for (let i = 1; i < asNumbers.length; i++) {
        const [[pm, ps], [cm, cs]] = [asNumbers[i - 1]!, asNumbers[i]!];
        assert.ok(cm > pm || (cm === pm && cs > ps), `${ids[i]} follows ${ids[i - 1]}`);
      }
      const pages: string[][] = [];
      let cursor = '0';
      for (;;) {
        const page = await store.readStream(stream, cursor, 2);
        if (page.length === 0) break;
        pages.push(page.map((e) => e.fields['i']!));
        cursor = page.at(-1)!.id;
      }
      assert.deepEqual(pages, [['0', '1'], ['2', '3'], ['4']]);
      assert.deepEqual(await store.readStream(stream, '0', 0), []);
    });

    it('transparency log: appends assign positions, reads go both ways, the peer sees it all', async () => {
      const log = keys.auditLog(`t${randomUUID()}`);
      assert.deepEqual(await store.tlogState(log), { size: 0, treeSize: 0, trimmed: 0, trimmedHashes: 0 });
      assert.equal(await store.tlogAppend(log, ['a', 'b']), 0);
      const [x, y] = await Promise.all([h.peer.tlogAppend(log, ['c']), store.tlogAppend(log, ['d', 'e'])]);
      assert.ok((x === 2 && y === 3) || (y === 2 && x === 4), `${x}, ${y}: each append got its own positions`);
      assert.equal((await store.tlogState(log)).size, 5);
      const all = await store.tlogRead(log, 0, 10);
      assert.deepEqual(all.map((l) => l.index), [0, 1, 2, 3, 4]);
      assert.deepEqual(all.slice(0, 2).map((l) => l.leaf), ['a', 'b']);
      assert.deepEqual((await store.tlogRead(log, 3, 1)).map((l) => l.index), [3]);
      assert.deepEqual((await h.peer.tlogReadBackward(log, 4, 2)).map((l) => l.index), [3, 2]);
      assert.deepEqual(await store.tlogReadBackward(log, 0, 2), []);
      await assert.rejects(store.tlogAppend(log, []));
    });

    it('transparency log: the tree grows by compare-and-extend, hashes read back by stored index', async () => {
      const log = keys.auditLog(`t${randomUUID()}`);
      await store.tlogAppend(log, ['a', 'b', 'c']);
      const hash = (n: number) => Buffer.alloc(32, n);
      // Leaf 0 stores one hash, leaf 1 two (it completes a pair): stored indexes 0, 1, 2.
      assert.equal(await store.tlogExtend(log, 0, 2, 0, Buffer.concat([hash(1), hash(2), hash(3)])), true);
      assert.equal(await h.peer.tlogExtend(log, 0, 2, 0, Buffer.concat([hash(1), hash(2), hash(3)])), false, 'lost the race');
      assert.deepEqual(await store.tlogHashes(log, [2, 0, 1, 3]), [hash(3), hash(1), hash(2), null]);
      await assert.rejects(store.tlogExtend(log, 2, 4, 3, hash(4)), /beyond the log/);
      assert.equal((await store.tlogState(log)).treeSize, 2);
      assert.equal(await store.tlogExtend(log, 2, 3, 3, hash(4)), true);
      assert.deepEqual(await store.tlogHashes(log, [3]), [hash(4)]);
    });

    it('transparency log: one checkpoint per size, listed by size either way', async () => {
      const log = keys.auditLog(`t${randomUUID()}`);
      assert.equal(await store.tlogAddCheckpoint(log, 3, 'three'), true);
      assert.equal(await store.tlogAddCheckpoint(log, 3, 'three again'), false);
      assert.equal(await store.tlogAddCheckpoint(log, 10, 'ten'), true);
      assert.equal(await store.tlogAddCheckpoint(log, 0, 'zero'), true);
      assert.deepEqual((await store.tlogCheckpoints(log, { count: 10 })).map((c) => c.size), [0, 3, 10]);
      assert.deepEqual(await store.tlogCheckpoints(log, { count: 1, newestFirst: true }), [{ size: 10, record: 'ten' }]);
      assert.deepEqual((await store.tlogCheckpoints(log, { min: 1, max: 9, count: 10 })).map((c) => c.record), ['three']);
    });

    it('transparency log: trimming drops old leaves, hashes and checkpoints, and keeps the pins', async () => {
      const log = keys.auditLog(`t${randomUUID()}`);
      await store.tlogAppend(log, ['a', 'b', 'c', 'd']);
      const hash = (n: number) => Buffer.alloc(32, n);
      assert.equal(await store.tlogExtend(log, 0, 4, 0, Buffer.concat([1, 2, 3, 4, 5, 6, 7].map(hash))), true);
      await store.tlogAddCheckpoint(log, 1, 'one');
      await store.tlogAddCheckpoint(log, 2, 'two');
      await store.tlogAddCheckpoint(log, 4, 'four');
      await assert.rejects(store.tlogTrim(log, 5, 7, new Map()), /beyond the tree/);
      // Trim below leaf 2 (stored index 3): the pair's hash (index 2) stays pinned.
      assert.equal(await store.tlogTrim(log, 2, 3, new Map([[2, hash(3)]])), true);
      assert.equal(await store.tlogTrim(log, 2, 3, new Map()), false, 'only forward');
      assert.deepEqual(await store.tlogState(log), { size: 4, treeSize: 4, trimmed: 2, trimmedHashes: 3 });
      assert.deepEqual((await store.tlogRead(log, 0, 10)).map((l) => l.leaf), ['c', 'd']);
      assert.deepEqual(await store.tlogReadBackward(log, 4, 10).then((r) => r.map((l) => l.index)), [3, 2]);
      assert.deepEqual(await store.tlogHashes(log, [0, 2, 3, 6]), [null, hash(3), hash(4), hash(7)]);
      assert.deepEqual((await store.tlogCheckpoints(log, { count: 10 })).map((c) => c.size), [2, 4]);
    });

    it('delIfEquals deletes only the value it was given', async () => {
      const k = key('lease');
      await store.set(k, 'mine');
      assert.equal(await store.delIfEquals(k, 'yours'), false);
      assert.equal(await store.get(k), 'mine');
      assert.equal(await store.delIfEquals(k, 'mine'), true);
      assert.equal(await store.get(k), null);
      assert.equal(await store.delIfEquals(k, 'mine'), false);
    });

    it('refuses a command on a key of the wrong type, as an ordinary error', async () => {
      const k = key('wrongtype');
      await store.hset(k, { a: '1' });
      const err = await store.get(k).catch((e: unknown) => e);
      assert.ok(err instanceof Error && /WRONGTYPE/.test(err.message));
      assert.ok(!(err instanceof StoreUnavailableError));
    });

    it('expires keys of every kind once their TTL passes', async () => {
      const k = {
        set: key('exp-set'),
        incr: key('exp-incr'),
        hash: key('exp-hash'),
        members: key('exp-members'),
        expire: key('exp-expire'),
        list: key('exp-list'),
      };
      await store.set(k.set, 'v', { ttl: 1 });
      await store.incr(k.incr, 1);
      await store.hset(k.hash, { a: '1' }, 1);
      await store.sadd(k.members, 'm', 1);
      await store.rpushCapped(k.list, ['v'], { max: 10, ttl: 1 });
      await store.set(k.expire, 'v');
      await store.expire(k.expire, 1);
      await sleep(1_200);
      assert.equal(await store.get(k.set), null);
      assert.equal(await store.ttl(k.incr), -2);
      assert.equal(await store.hgetall(k.hash), null);
      assert.deepEqual(await store.smembers(k.members), []);
      assert.equal(await store.llen(k.list), 0);
      assert.equal(await store.getdel(k.expire), null);
      assert.equal(await store.set(k.set, 'again', { nx: true }), true);
      assert.equal(await store.incr(k.incr, 1), 1);
    });

    it('tenancy: a commit writes records at a new version, seen by every connection in one read', async () => {
      const id = randomUUID();
      const before = await h.peer.tenancyVersion();
      const done = await store.tenancyCommit([{ kind: 'tenant', id, rev: null }], [{ kind: 'tenant', id, body: '{"a":1}' }, { kind: 'role', id, body: '{"r":1}' }]);
      assert.deepEqual(done, { ok: true, version: before + 1 });
      const read = await h.peer.tenancyRead();
      assert.equal(read.version, before + 1);
      assert.deepEqual(
        read.records.filter((r) => r.id === id).sort((a, b) => a.kind.localeCompare(b.kind)),
        [
          { kind: 'role', id, rev: before + 1, body: '{"r":1}' },
          { kind: 'tenant', id, rev: before + 1, body: '{"a":1}' },
        ],
      );
    });

    it('tenancy: a stale revision, a record that should be absent, or a moved version writes nothing', async () => {
      const id = randomUUID();
      const created = await store.tenancyCommit([{ kind: 'client', id, rev: null }], [{ kind: 'client', id, body: '"v1"' }]);
      assert.ok(created.ok);
      const rev = created.version;
      // Two writers holding the same revision: exactly one wins.
      const [a, b] = await Promise.all([
        store.tenancyCommit([{ kind: 'client', id, rev }], [{ kind: 'client', id, body: '"a"' }]),
        h.peer.tenancyCommit([{ kind: 'client', id, rev }], [{ kind: 'client', id, body: '"b"' }]),
      ]);
      assert.equal([a, b].filter((r) => r.ok).length, 1);
      assert.deepEqual([a, b].find((r) => !r.ok), { ok: false, conflict: { kind: 'client', id } });
      assert.deepEqual(await store.tenancyCommit([{ kind: 'client', id, rev: null }], [{ kind: 'client', id, body: '"c"' }]), { ok: false, conflict: { kind: 'client', id } });
      const now = await store.tenancyVersion();
      assert.deepEqual(await store.tenancyCommit([], [{ kind: 'client', id, body: '"d"' }], { expectVersion: now - 1 }), { ok: false, conflict: 'version' });
      assert.equal(await store.tenancyVersion(), now, 'a refused commit does not move the version');
      const body = (await store.tenancyRead()).records.find((r) => r.kind === 'client' && r.id === id)?.body;
      assert.ok(body === '"a"' || body === '"b"');
    });

    it('tenancy: deleting a record removes it and its revision, so it can be created again', async () => {
      const id = randomUUID();
      const created = await store.tenancyCommit([], [{ kind: 'role', id, body: '"x"' }]);
      assert.ok(created.ok);
      const deleted = await store.tenancyCommit([{ kind: 'role', id, rev: created.version }], [{ kind: 'role', id, body: null }]);
      assert.ok(deleted.ok);
      assert.equal((await store.tenancyRead()).records.some((r) => r.kind === 'role' && r.id === id), false);
      assert.ok((await store.tenancyCommit([{ kind: 'role', id, rev: null }], [{ kind: 'role', id, body: '"y"' }])).ok);
    });

    it('tenancy: a commit announces its version to subscribers of every connection', async () => {
      const seen: (number | null)[] = [];
      const unsubscribe = await h.peer.tenancySubscribe((v) => seen.push(v));
      const done = await store.tenancyCommit([], [{ kind: 'role', id: randomUUID(), body: '"z"' }]);
      assert.ok(done.ok);
      for (let i = 0; i < 100 && !seen.includes(done.version); i++) await sleep(20);
      assert.ok(seen.includes(done.version), `saw ${JSON.stringify(seen)}`);
      await unsubscribe();
      const after = await store.tenancyCommit([], [{ kind: 'role', id: randomUUID(), body: '"w"' }]);
      await sleep(100);
      assert.ok(after.ok && !seen.includes(after.version), 'nothing arrives after unsubscribing');
    });
  });
}

storeContract('memory', async () => {
  const store = createMemoryStore({ prefix: 'test' });
  // One process, one map: the memory store is its own peer.
  return { store, peer: store, close: () => store.close() };
});

storeContract('redis', async () => {
  const url = await testRedisUrl();
  const prefix = `test-${randomUUID()}`;
  const clients = [createRedisClient({ url }, 'store'), createRedisClient({ url }, 'store')] as const;
  await Promise.all(clients.map((c) => waitForReady(c, 5_000)));
  const [store, peer] = clients.map((c) => createRedisStore(c, { prefix })) as [Store, Store];
  return { store, peer, close: async () => void (await Promise.all([store.close(), peer.close()])) };
});

describe('createStore', () => {
  it('uses the memory store when no Redis is configured', async () => {
    const { store, redis } = createStore(null, { prefix: 'gh' });
    assert.equal(store.kind, 'memory');
    assert.equal(redis, null);
    await store.close();
  });

  it('refuses a prefix with braces (it would capture the Cluster hash tag)', () => {
    assert.throws(() => createMemoryStore({ prefix: '{gh}' }), /braces/);
  });
});

describe('Redis store when Redis goes away', () => {
  it('fails fast with StoreUnavailableError, then recovers on the same client', async () => {
    const server = await startRedisServer();
    const client = createRedisClient({ url: server.url }, 'store');
    const store = createRedisStore(client, { prefix: `fault-${randomUUID()}` });
    try {
      await waitForReady(client, 5_000);
      await store.set('k', 'v1');
      await server.stop();

      const calls: [string, () => Promise<unknown>][] = [
        ['get', () => store.get('k')],
        ['incr (Lua)', () => store.incr('c', 60)],
        ['hset (MULTI)', () => store.hset('h', { a: '1' }, 60)],
        ['appendChained (Lua)', () => store.appendChained('{f}:s', '{f}:h', null, 'h', { a: '1' })],
        ['ping', () => store.ping()],
      ];
      for (const [name, call] of calls) {
        const started = Date.now();
        await assert.rejects(call(), StoreUnavailableError, name);
        assert.ok(Date.now() - started < 3_000, `${name} failed within 3s`);
      }
      await assert.rejects(waitForReady(client, 300), StoreUnavailableError);

      await server.restart();
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await store.ping();
          break;
        } catch (err) {
          assert.ok(err instanceof StoreUnavailableError);
          assert.ok(Date.now() < deadline, 'recovered within 10s');
          await sleep(100);
        }
      }
      // The restarted server has no data and no script cache: Lua must reload itself.
      assert.equal(await store.get('k'), null);
      assert.equal(await store.set('k', 'v2'), true);
      assert.equal(await store.get('k'), 'v2');
      assert.equal(await store.incr('c', 60), 1);
      assert.equal((await store.appendChained('{f}:s', '{f}:h', null, 'h', { a: '1' })).ok, true);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});
