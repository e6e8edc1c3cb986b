/**
 * The impersonation legs' atomic steps (Store.commitTicket, redeemTicket, raiseMarker),
 * one contract for the memory store and Redis: a ticket exists only with its leaf, a
 * session only with its leaf, its indexes and the spent ticket's link; the first claim
 * burns whatever follows; a tripped revocation guard refuses; nothing is half written.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createMemoryStore, createRedisClient, createRedisStore, keys, type Store, type TicketRedemption, waitForReady } from '../src/store/index.js';
import { redisCli } from './audit/tamper.js';
import { startRedisServer } from './helpers/redis-server.js';

interface Harness {
  store: Store;
  peer: Store;
  prefix: string;
  url?: string;
  close(): Promise<void>;
}

function legsContract(name: string, open: () => Promise<Harness>): void {
  describe(`impersonation legs: ${name}`, () => {
    let h: Harness;
    let store: Store;
    before(async () => {
      h = await open();
      store = h.store;
    });
    after(() => h.close());

    /** A fresh tenant each test: its own slot, log and keys. */
    const tenant = () => `t${randomUUID().slice(0, 8)}`;
    const leaf = (n: string) => JSON.stringify({ id: n, type: 'impersonation.started' });
    const redemption = (t: string, ticketHash: string, over: Partial<TicketRedemption> = {}): TicketRedemption => {
      const sid = `imp_${t}_${'A'.repeat(10)}${randomUUID().slice(0, 12)}`;
      return {
        key: keys.ticket(t, ticketHash),
        burn: `${Date.now()}.${randomUUID()}`,
        rememberFor: 900,
        guards: [{ key: keys.revocation(t, 'admin', 'adm_a'), epoch: 0 }],
        session: { key: keys.session(sid), sid, fields: { record: JSON.stringify({ sid }) }, ttl: 3600 },
        indexes: [
          { key: keys.sessionsByAdmin(t, 'adm_a'), score: 1000, trimBelow: 10, ttl: 7200 },
          { key: keys.sessionsByTenant(t), score: 1000, trimBelow: 10, ttl: 7200 },
        ],
        log: keys.auditLog(t),
        leaves: [leaf(`started-${sid}`)],
        ...over,
      };
    };
    const mint = (t: string, ticketHash: string, epoch = 0) =>
      store.commitTicket({ key: keys.ticket(t, ticketHash), ttl: 60, guards: [{ key: keys.revocation(t, 'admin', 'adm_a'), epoch }], log: keys.auditLog(t), leaves: [leaf(`issued-${ticketHash}`)] });

    it('a mint writes the ticket and its leaf together, at the next position of the log', async () => {
      const t = tenant();
      await store.tlogAppend(keys.auditLog(t), [leaf('before')]);
      assert.deepEqual(await mint(t, 'h1'), { ok: true, index: 1 });
      assert.deepEqual(await store.hgetall(keys.ticket(t, 'h1')), { i: '1' }, 'the ticket names its leaf');
      assert.equal(await store.ttl(keys.ticket(t, 'h1')), 60);
      assert.deepEqual((await store.tlogRead(keys.auditLog(t), 0, 10)).map((l) => l.leaf), [leaf('before'), leaf('issued-h1')]);
      await store.tlogAppend(keys.auditLog(t), [leaf('after')]);
      assert.equal((await store.tlogState(keys.auditLog(t))).size, 3, 'group commits and legs share the positions');
    });

    it('a tripped revocation guard refuses the mint and writes nothing', async () => {
      const t = tenant();
      await store.raiseMarker(keys.revocation(t, 'admin', 'adm_a'), 3, 'admin_disabled', 600);
      assert.deepEqual(await mint(t, 'h1', 2), { ok: false, revoked: 'admin_disabled' });
      assert.equal(await store.hgetall(keys.ticket(t, 'h1')), null);
      assert.equal((await store.tlogState(keys.auditLog(t))).size, 0);
      assert.deepEqual(await mint(t, 'h2', 3), { ok: true, index: 0 }, 'an epoch read after the revocation passes');
    });

    it('raiseMarker keeps the highest epoch', async () => {
      const key = keys.revocation(tenant(), 'user', 'usr_u');
      await store.raiseMarker(key, 5, 'user_disabled', 600);
      await store.raiseMarker(key, 4, 'other', 600);
      assert.equal(await store.get(key), '5 user_disabled');
      await store.raiseMarker(key, 6, 'user_disabled', 600);
      assert.equal(await store.get(key), '6 user_disabled');
      assert.ok((await store.ttl(key)) > 500);
    });

    it('an unknown ticket: nothing written', async () => {
      const t = tenant();
      const r = redemption(t, 'nope');
      assert.deepEqual(await store.redeemTicket(r), { kind: 'unknown' });
      assert.equal(await store.hgetall(r.key), null);
      assert.equal(await store.hgetall(r.session.key), null);
      assert.equal((await store.tlogState(r.log)).size, 0);
    });

    it('the first presentation burns, stores the session with its indexes and leaf, and links it; later ones are replays', async () => {
      const t = tenant();
      await mint(t, 'h1');
      const r = redemption(t, 'h1');
      assert.deepEqual(await store.redeemTicket(r), { kind: 'redeemed', index: 1 });
      const ticket = await store.hgetall(r.key);
      assert.deepEqual(ticket, { i: '0', consumedAt: r.burn, si: '1', sid: r.session.sid });
      assert.equal(await store.ttl(r.key), 900);
      assert.deepEqual(await store.hgetall(r.session.key), r.session.fields);
      assert.equal(await store.ttl(r.session.key), 3600);
      for (const i of r.indexes) assert.deepEqual(await store.zrevrange(i.key, 0, -1), [r.session.sid]);
      assert.equal((await store.tlogRead(r.log, 1, 1))[0]?.leaf, r.leaves[0]);

      const again = redemption(t, 'h1');
      assert.deepEqual(await store.redeemTicket(again), { kind: 'replay', sid: r.session.sid, firstReplay: true });
      assert.deepEqual(await h.peer.redeemTicket(redemption(t, 'h1')), { kind: 'replay', sid: r.session.sid, firstReplay: false });
      assert.equal(await store.hgetall(again.session.key), null, 'a replay stores no session');
      assert.equal((await store.tlogState(r.log)).size, 2, 'nor a leaf');
      // The burn's owner alone gives it back.
      assert.equal(await store.hdelIfEquals(r.key, 'consumedAt', again.burn, ['replayedAt', 'sid', 'si', 'rc']), false);
      assert.equal(await store.hdelIfEquals(r.key, 'consumedAt', r.burn, ['replayedAt', 'sid', 'si', 'rc']), true);
      assert.deepEqual(await store.hgetall(r.key), { i: '0' });
    });

    it('a refusal decided before the claim, or a tripped guard, still burns; no session, no leaf', async () => {
      const t = tenant();
      await mint(t, 'h1');
      const wrongClient = redemption(t, 'h1', { refusal: 'redeem_wrong_tenant' });
      assert.deepEqual(await store.redeemTicket(wrongClient), { kind: 'refused', code: 'redeem_wrong_tenant' });
      assert.equal((await store.hgetall(wrongClient.key))?.consumedAt, wrongClient.burn);
      assert.equal(await store.hgetall(wrongClient.session.key), null);
      assert.deepEqual(await store.redeemTicket(redemption(t, 'h1')), { kind: 'replay', firstReplay: true });

      await mint(t, 'h2');
      await store.raiseMarker(keys.revocation(t, 'admin', 'adm_a'), 1, 'admin_disabled', 600);
      const r = redemption(t, 'h2');
      assert.deepEqual(await store.redeemTicket(r), { kind: 'refused', code: 'admin_disabled' });
      assert.equal(await store.hgetall(r.session.key), null);
      await mint(t, 'h3', 1);
      const late = (epoch: number) => redemption(t, 'h3', { refusalAfterGuards: 'ticket_tenant_not_covered', guards: [{ key: keys.revocation(t, 'admin', 'adm_a'), epoch }] });
      assert.deepEqual(await store.redeemTicket(late(0)), { kind: 'refused', code: 'admin_disabled' }, 'a tripped guard names the reason first');
      await mint(t, 'h4', 1);
      assert.deepEqual(await store.redeemTicket({ ...late(1), key: keys.ticket(t, 'h4') }), { kind: 'refused', code: 'ticket_tenant_not_covered' });
      for (const i of r.indexes) assert.deepEqual(await store.zrevrange(i.key, 0, -1), []);
      assert.equal((await store.tlogState(r.log)).size, 4, 'the four tickets only');
    });

    it('a step run again (a retry of one whose reply a dropped connection lost) answers as it did, once', async () => {
      const t = tenant();
      assert.deepEqual(await mint(t, 'h1'), { ok: true, index: 0 });
      assert.deepEqual(await h.peer.commitTicket({ key: keys.ticket(t, 'h1'), ttl: 60, guards: [], log: keys.auditLog(t), leaves: [leaf('issued-h1')] }), { ok: true, index: 0 });
      const r = redemption(t, 'h1');
      assert.deepEqual(await store.redeemTicket(r), { kind: 'redeemed', index: 1 });
      assert.deepEqual(await h.peer.redeemTicket(r), { kind: 'redeemed', index: 1 }, 'not a replay of itself');
      assert.equal((await store.hgetall(r.key))?.replayedAt, undefined);
      await mint(t, 'h2');
      const refused = redemption(t, 'h2', { refusal: 'client_not_tenant' });
      assert.deepEqual(await store.redeemTicket(refused), { kind: 'refused', code: 'client_not_tenant' });
      assert.deepEqual(await store.redeemTicket(refused), { kind: 'refused', code: 'client_not_tenant' });
      assert.equal((await store.tlogState(keys.auditLog(t))).size, 3, 'one leaf each: two tickets, one session');
    });

    it('exactly one of many concurrent presentations (two connections) redeems', async () => {
      const t = tenant();
      await mint(t, 'h1');
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? h.peer : store).redeemTicket(redemption(t, 'h1'))));
      assert.equal(results.filter((r) => r.kind === 'redeemed').length, 1);
      assert.equal(results.filter((r) => r.kind === 'replay' && r.firstReplay).length, 1);
      assert.equal((await store.tlogState(keys.auditLog(t))).size, 2);
    });

    it('hincrby counts from an absent field', async () => {
      const key = `acct:${randomUUID()}`;
      assert.equal(await store.hincrby(key, 'epoch', 1), 1);
      assert.equal(await store.hincrby(key, 'epoch', 1), 2);
      assert.deepEqual(await store.hgetall(key), { epoch: '2' });
    });

    if (name === 'redis') {
      it('a log whose size was repointed under its stream: nothing is written, not even the burn', async () => {
        const t = tenant();
        await mint(t, 'h1');
        await store.tlogAppend(keys.auditLog(t), [leaf('x'), leaf('y')]);
        redisCli(h.url!, 'HSET', `${h.prefix}:${keys.auditLog(t).state}`, 'size', '1');
        const r = redemption(t, 'h1');
        await assert.rejects(store.redeemTicket(r), /ID specified in XADD|equal or smaller/);
        assert.deepEqual(await store.hgetall(r.key), { i: '0' }, 'not burned');
        assert.equal(await store.hgetall(r.session.key), null);
        await assert.rejects(mint(t, 'h2'), /ID specified in XADD|equal or smaller/);
        assert.equal(await store.hgetall(keys.ticket(t, 'h2')), null);
      });
    }
  });
}

legsContract('memory', async () => {
  const store = createMemoryStore({ prefix: 'legs' });
  return { store, peer: store, prefix: 'legs', close: () => store.close() };
});

legsContract('redis', async () => {
  const server = await startRedisServer();
  const prefix = `legs-${randomUUID().slice(0, 8)}`;
  const clients = [createRedisClient({ url: server.url }, 'store'), createRedisClient({ url: server.url }, 'store')] as const;
  await Promise.all(clients.map((c) => waitForReady(c, 5_000)));
  const [store, peer] = clients.map((c) => createRedisStore(c, { prefix })) as [Store, Store];
  return {
    store,
    peer,
    prefix,
    url: server.url,
    close: async () => {
      await Promise.all([store.close(), peer.close()]);
      await server.stop();
    },
  };
});
