/**
 * What must hold when Redis fails over under load (issue 10), for Sentinel and Cluster
 * alike: every answer is a success, a 503 or a replay refusal (never another 5xx); no
 * ticket is redeemed twice, during the failover or after it (its burned marker reached
 * the replica before the redemption was answered); no audit event behind a success is
 * lost; the service resumes by itself; the audit chain verifies.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent, AuditLog } from '../../src/audit/index.js';
import { mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';
import type { Fleet } from './fleet.js';
import { impersonationLoad, redeemedTwice, sidOf, tally } from './impersonation-load.js';

export async function checkFailoverUnderLoad(fleet: Fleet, failOver: () => Promise<void>, label: string): Promise<void> {
  let done = false;
  let failedOverAt = 0;
  let resumedAt = 0;
  const load = impersonationLoad({
    instances: fleet.instances,
    actor: fleet.actor,
    subject: fleet.bob,
    workers: 8,
    presentations: 2,
    until: () => done,
    maxMs: 120_000,
  });
  const faults = (async () => {
    try {
      await sleep(1500);
      await failOver();
      failedOverAt = Date.now();
      while (!resumedAt && Date.now() - failedOverAt < 30_000) {
        const minted = await tokenRequest(fleet.local.issuer, 'support-console', mintFields(fleet.actor, fleet.bob));
        const ok = minted.status === 200 && (await tokenRequest(fleet.local.issuer, 'acme-app', redeemFields(minted.body.access_token))).status === 200;
        if (ok) resumedAt = Date.now();
        else await sleep(100);
      }
      await sleep(1500);
    } finally {
      done = true;
    }
  })();
  const [outcomes] = await Promise.all([load, faults]);
  const counts = tally(outcomes);

  const wrong = outcomes.filter((o) => o.status !== 200 && o.status !== 503 && !(o.leg === 'redeem' && o.status === 400 && o.error === 'invalid_request'));
  assert.deepEqual(wrong.map((o) => `${o.leg} ${o.status} ${o.error}`), [], JSON.stringify(counts));
  assert.ok(resumedAt > 0, `service resumed after the failover: ${JSON.stringify(counts)}`);
  assert.deepEqual(redeemedTwice(outcomes), [], 'a ticket redeemed twice during the failover');

  // Every burned marker survived: no ticket redeemed before or during the failover redeems again.
  const redeemed = [...new Set(outcomes.filter((o) => o.leg === 'redeem' && o.status === 200).map((o) => o.ticket!))];
  assert.ok(redeemed.length > 0, 'the load redeemed tickets');
  const again = await Promise.all(redeemed.map((t) => tokenRequest(fleet.local.issuer, 'acme-app', redeemFields(t))));
  assert.deepEqual(again.filter((r) => r.status === 200).length, 0, 'a redeemed ticket redeemed again after the failover');

  // Every answered redemption's impersonation.started is still in the log.
  const { audit } = fleet.local.gatehouse.services;
  const started = await allEvents(audit, 'impersonation.started');
  const logged = new Set(started.map((e) => e.sid));
  const lost = outcomes.filter((o) => o.token && !logged.has(sidOf(o.token)));
  assert.equal(lost.length, 0, `${lost.length} acknowledged impersonation.started events lost`);
  const issued = await allEvents(audit, 'impersonation.ticket_issued');
  const minted = outcomes.filter((o) => o.leg === 'mint' && o.status === 200).length;
  assert.ok(issued.length >= minted, `${issued.length} ticket_issued events for ${minted} tickets`);
  const verified = await audit.verify();
  assert.equal(verified.ok, true, JSON.stringify(verified));
  process.stderr.write(`${label}: resumed ${resumedAt - failedOverAt} ms after the failover completed; ${JSON.stringify(counts)}\n`);
}

/** Every event of a type, page by page (a page holds at most 1,000). */
export async function allEvents(audit: AuditLog, type: AuditEvent['type']): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let before: string | undefined;
  do {
    const page = await audit.list({ type }, { limit: 1000, ...(before ? { before } : {}) });
    events.push(...page.events);
    before = page.next;
  } while (before);
  return events;
}
