/**
 * The access-request state machine (src/approvals/requests.ts) on every store, with races:
 * one shared suite for the memory store and a real redis-server (two connections), as the
 * architecture asks of domain code.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decideAccessRequest, fileAccessRequest, findAccessRequest, settleExpiry, useAccessRequest } from '../../src/approvals/requests.js';
import type { AccessRequestInput } from '../../src/approvals/types.js';
import { createMemoryStore, createRedisClient, createRedisStore, type Store, waitForReady } from '../../src/store/index.js';
import { testRedisUrl } from '../helpers/redis-server.js';

const POLICY = { approvalTtl: 3600, approvalWindow: 900 };

function input(over: Partial<AccessRequestInput> = {}): AccessRequestInput {
  return { tenant: 'wonka', user: `usr_${randomUUID()}`, admin: 'adm_a', reason: 'Ticket #1', duration: 900, scope: ['openid'], needsUser: true, needsSecondAdmin: true, ...over };
}

function suite(name: string, open: () => Promise<{ store: Store; peer: Store; close(): Promise<void> }>) {
  describe(`access requests on the ${name} store`, () => {
    let h: Awaited<ReturnType<typeof open>>;
    before(async () => {
      h = await open();
    });
    after(() => h.close());
    const on = (i: number) => (i % 2 ? h.peer : h.store);

    it('an approval and a denial racing: exactly one side wins, and a denial is final', async () => {
      const now = Date.now();
      const request = await fileAccessRequest(h.store, input(), POLICY, now);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => decideAccessRequest(on(i), request, 'customer', { decision: i % 3 ? 'approved' : 'denied', by: `u${i}` }, now, POLICY)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const after1 = (await findAccessRequest(h.store, request.id))!;
      assert.ok(after1.userDecision);
      assert.equal(after1.state, after1.userDecision === 'denied' ? 'denied' : 'pending', 'the second admin is still needed');
    });

    it('both approvals racing: the request is approved once, then used once by its admin only', async () => {
      const now = Date.now();
      const request = await fileAccessRequest(h.store, input(), POLICY, now);
      const decided = await Promise.all([
        decideAccessRequest(h.store, request, 'customer', { decision: 'approved', by: request.user }, now, POLICY),
        decideAccessRequest(h.peer, request, 'second', { decision: 'approved', by: 'adm_b' }, now, POLICY),
      ]);
      assert.equal(decided.filter((d) => d.completed).length, 1, 'one of them completed the approval');
      assert.equal((await findAccessRequest(h.store, request.id))!.state, 'approved');
      assert.deepEqual(await useAccessRequest(h.store, { admin: 'adm_other', user: request.user }, now, POLICY), { ok: false, refusal: 'none' });
      const uses = await Promise.all(Array.from({ length: 50 }, (_, i) => useAccessRequest(on(i), { admin: 'adm_a', user: request.user }, now, POLICY)));
      assert.equal(uses.filter((u) => u.ok).length, 1);
      assert.equal((await findAccessRequest(h.store, request.id))!.state, 'used');
    });

    it('expiry is written once, and refuses a late approval', async () => {
      const now = Date.now();
      const request = await fileAccessRequest(h.store, input({ needsSecondAdmin: false }), POLICY, now);
      const later = now + POLICY.approvalTtl * 1000 + 1;
      const settled = await Promise.all(Array.from({ length: 10 }, (_, i) => settleExpiry(on(i), request, later, POLICY)));
      assert.equal(settled.filter(Boolean).length, 1);
      await assert.rejects(decideAccessRequest(h.store, request, 'customer', { decision: 'approved', by: request.user }, later, POLICY), { code: 'expired' });
      assert.deepEqual((await useAccessRequest(h.store, { admin: 'adm_a', user: request.user }, later, POLICY)).ok, false);
    });

    it('one open request per admin and user', async () => {
      const first = input();
      await fileAccessRequest(h.store, first, POLICY, Date.now());
      await assert.rejects(fileAccessRequest(h.peer, first, POLICY, Date.now()), { code: 'already_open' });
    });
  });
}

suite('memory', async () => {
  const store = createMemoryStore({ prefix: 'test' });
  return { store, peer: store, close: () => store.close() };
});

suite('redis', async () => {
  const url = await testRedisUrl();
  const prefix = `approvals-${randomUUID()}`;
  const clients = [createRedisClient({ url }, 'store'), createRedisClient({ url }, 'store')] as const;
  await Promise.all(clients.map((c) => waitForReady(c, 5_000)));
  const [store, peer] = clients.map((c) => createRedisStore(c, { prefix })) as [Store, Store];
  return { store, peer, close: async () => void (await Promise.all([store.close(), peer.close()])) };
});
