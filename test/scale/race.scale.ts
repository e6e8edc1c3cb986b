/**
 * The 1,000-way race (issue 10): one ticket presented 1,000 times at once across three
 * Gatehouse processes on one Redis is redeemed exactly once, for every ticket of the run;
 * every other presentation is refused as a replay, none fails with a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';
import { allEvents } from '../helpers/failover-check.js';
import { type Fleet, startFleet } from '../helpers/fleet.js';
import { retryingLostSockets } from '../helpers/impersonation-load.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';

const TICKETS = 10;
const PRESENTATIONS = 1000;

describe(`${PRESENTATIONS} concurrent redemptions of one ticket across three processes`, () => {
  let redis: TestRedis;
  let fleet: Fleet;

  before(async () => {
    redis = await startTestRedis();
    fleet = await startFleet({ redisEnv: redis.env, spawned: 3, prefix: 'race' });
  });
  after(async () => {
    await fleet?.stop();
    await redis?.stop();
  });

  it(`exactly one of ${PRESENTATIONS} wins, for each of ${TICKETS} tickets`, async () => {
    const processes = fleet.instances.slice(1);
    let unavailable = 0;
    for (let t = 0; t < TICKETS; t++) {
      const minted = await tokenRequest(fleet.local.issuer, 'support-console', mintFields(fleet.actor, fleet.bob, { reason: `RACE-${t}: 1000 at once` }));
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      const ticket = minted.body.access_token as string;
      const results = await Promise.all(
        Array.from({ length: PRESENTATIONS }, (_, i) => retryingLostSockets(() => tokenRequest(processes[i % processes.length]!, 'acme-app', redeemFields(ticket)))),
      );
      const statuses: Record<number, number> = {};
      for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      // Exactly one winner. On a starved machine some presentations may time out on Redis
      // and answer 503 (fail fast); every other one is refused as a replay.
      assert.equal(statuses[200], 1, `ticket ${t}: ${JSON.stringify(statuses)}`);
      assert.equal((statuses[400] ?? 0) + (statuses[503] ?? 0), PRESENTATIONS - 1, `ticket ${t}: ${JSON.stringify(statuses)}`);
      for (const r of results) if (r.status === 400) assert.equal(r.body.error, 'invalid_request');
      unavailable += statuses[503] ?? 0;
      const again = await tokenRequest(processes[t % processes.length]!, 'acme-app', redeemFields(ticket));
      assert.equal(again.status, 400, 'redeemed once, refused ever after');
    }
    const { audit } = fleet.local.gatehouse.services;
    // A winner whose redemption then failed on Redis (a 503 on a starved machine) ended its
    // session, audited as `redemption_failed`, and gave the ticket back (a 503 burns nothing):
    // such a start issued no token. Every other start is the one winner of its ticket.
    const failed = new Set(
      (await allEvents(audit, 'impersonation.ended')).filter((e) => (e.details as { via?: string } | undefined)?.via === 'redemption_failed').map((e) => e.sid),
    );
    const started = (await allEvents(audit, 'impersonation.started')).filter((e) => !failed.has(e.sid));
    assert.equal(started.length, TICKETS, 'one impersonation.started per ticket (besides starts whose redemption failed)');
    assert.equal(new Set(started.map((e) => e.reason)).size, TICKETS, 'one per ticket, not two for one');
    assert.equal((await audit.verify()).ok, true);
    process.stderr.write(`race: ${TICKETS} tickets × ${PRESENTATIONS} presentations, one winner each; ${unavailable} presentations answered 503; ${failed.size} redemptions failed after their start and gave the ticket back\n`);
  });
});
