/**
 * Redis stopped under load (issue 10): while it is gone Gatehouse answers only successes
 * or 503s, never a 500; it recovers by itself within 5 s of Redis answering again; no
 * ticket was handed out without its record in Redis; and no redemption refused with 503
 * burned its ticket, neither one that came while Redis was gone nor one in flight when
 * it died (that one gives its ticket back when Redis returns). Redis runs with AOF
 * (appendfsync always), as production should, so a restart keeps what it acknowledged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ticketStateKey } from '../../src/impersonation/tickets.js';
import { mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';
import { type DurableExchange, startDurableExchange } from '../helpers/durable-exchange.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { impersonationLoad, type Outcome, tally } from '../helpers/impersonation-load.js';
import type { RedisNode } from '../helpers/redis-node.js';

describe('Redis stopped under load', () => {
  let redis: RedisNode;
  let gh: TestGatehouse;
  let actor: string;
  let bob: string;

  let setup: DurableExchange;

  before(async () => {
    setup = await startDurableExchange('outage');
    ({ redis, gh, actor, bob } = setup);
  });
  after(() => setup?.stop());

  it('only 200s and 503s, recovery within 5 s, no ticket without its record, none burned by an outage', async () => {
    let stoppedAt = 0;
    let restartedAt = 0;
    let recoveredAt = 0;
    let done = false;
    // Tickets minted beforehand, presented while Redis is gone: none may come back burned.
    const pending: string[] = [];
    for (let i = 0; i < 30; i++) pending.push((await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob))).body.access_token);
    const presentedWhileDown: Outcome[] = [];
    const load = impersonationLoad({ instances: [gh.issuer], actor, subject: bob, workers: 12, until: () => done, maxMs: 60_000 });
    const faults = (async () => {
      await sleep(1500);
      await redis.kill();
      stoppedAt = Date.now();
      for (const ticket of pending) {
        const start = Date.now();
        const res = await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket));
        presentedWhileDown.push({ leg: 'redeem', status: res.status, error: res.body.error, ticket, via: gh.issuer, start, end: Date.now() });
      }
      await sleep(Math.max(0, stoppedAt + 2000 - Date.now()));
      await redis.start();
      restartedAt = Date.now();
      // Recovered: a whole impersonation (mint and redeem) succeeds again.
      while (!recoveredAt && Date.now() - restartedAt < 20_000) {
        const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
        if (minted.status === 200 && (await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token))).status === 200) {
          recoveredAt = Date.now();
        } else await sleep(50);
      }
      await sleep(1000);
      done = true;
    })();
    const [loadOutcomes] = await Promise.all([load, faults]);
    const outcomes = [...loadOutcomes, ...presentedWhileDown];
    const counts = tally(outcomes);

    const wrong = outcomes.filter((o) => o.status !== 200 && o.status !== 503 && !(o.status === 400 && o.leg === 'redeem' && o.error === 'invalid_request'));
    assert.deepEqual(wrong.map((o) => `${o.leg} ${o.status} ${o.error}`), [], JSON.stringify(counts));
    assert.ok(outcomes.some((o) => o.status === 503 && o.start >= stoppedAt && o.end <= restartedAt), `503s while Redis was down: ${JSON.stringify(counts)}`);
    assert.ok(recoveredAt > 0, 'service came back without a restart');
    const recoveryMs = recoveredAt - restartedAt;
    assert.ok(recoveryMs <= 5000, `recovered ${recoveryMs} ms after Redis`);

    // Every ticket that went out has its record (AOF kept what Redis acknowledged).
    const store = gh.gatehouse.services.store;
    const issued = outcomes.filter((o) => o.leg === 'mint' && o.status === 200);
    for (const o of issued) assert.ok((await store.hgetall(ticketStateKey('acme', o.ticket!)))?.i, 'ticket issued without its record');

    // A redemption refused while Redis was unreachable left its ticket redeemable.
    const refusedWhileDown = outcomes.filter((o) => o.leg === 'redeem' && o.status === 503 && o.start >= stoppedAt && o.end <= restartedAt);
    const inFlight = outcomes.filter((o: Outcome) => o.leg === 'redeem' && o.status === 503 && o.start < stoppedAt);
    assert.ok(presentedWhileDown.every((o) => o.status === 503), JSON.stringify(tally(presentedWhileDown)));
    assert.ok(refusedWhileDown.length >= pending.length, JSON.stringify(tally(presentedWhileDown)));
    for (const o of refusedWhileDown) {
      const again = await tokenRequest(gh.issuer, 'acme-app', redeemFields(o.ticket!));
      assert.equal(again.status, 200, `a 503 burned a ticket: ${JSON.stringify(again.body)}`);
    }
    // A redemption in flight when Redis died had burned its ticket first: it gives the
    // ticket back once Redis answers again, so the tenant's retry redeems it.
    const burned: string[] = [];
    for (const o of inFlight) {
      let redeemed = false;
      for (const deadline = Date.now() + 10_000; !redeemed && Date.now() < deadline; await sleep(200)) {
        redeemed = (await tokenRequest(gh.issuer, 'acme-app', redeemFields(o.ticket!))).status === 200;
      }
      if (!redeemed) burned.push(`started ${stoppedAt - o.start} ms before the kill: ${JSON.stringify(await store.hgetall(ticketStateKey('acme', o.ticket!)))}`);
    }
    assert.deepEqual(burned, [], `of ${inFlight.length} redemptions in flight at the kill, these burned their ticket`);
    const verified = await gh.gatehouse.services.audit.verify();
    assert.equal(verified.ok, true);
    process.stderr.write(
      `redis-outage: recovered ${recoveryMs} ms after Redis; ${issued.length} tickets issued; ${refusedWhileDown.length} redemptions refused while down (all redeemable later); ${inFlight.length} in flight at the kill answered 503, all redeemable on retry; ${JSON.stringify(counts)}\n`,
    );
  });
});
