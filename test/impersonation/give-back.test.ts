/**
 * A ticket given back after a failed redemption (a 503 burns nothing) must come back clean:
 * if the failed attempt had already linked its session (a link that timed out on the client
 * but landed in Redis), the next winner's session is the one a later replay ends
 * (onReplay: revoke), not the dead one. On the memory store and on real Redis.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newSession, sessionWrites } from '../../src/impersonation/sessions.js';
import { giveBackTicket, newBurnMark } from '../../src/impersonation/tickets.js';
import { keys } from '../../src/store/keys.js';
import { createMemoryStore, createRedisClient, createRedisStore, waitForReady } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { testRedisUrl } from '../helpers/redis-server.js';

const tenant = 'acme';
const stateKey = keys.ticket(tenant, 'give-back');
const guards = [{ key: keys.revocation(tenant, 'admin', 'adm_1'), epoch: 0 }];

/** One presentation's step, with a fresh session and burn mark. */
function present(store: Store) {
  const session = newSession({ admin: 'adm_1', user: 'usr_1', tenant, audience: 'https://app.acme.example', client: 'acme-app', reason: 'ZD-1: give-back', scope: ['openid'], duration: 600 });
  const burn = newBurnMark();
  const writes = sessionWrites(session, 600);
  const leaves = [JSON.stringify({ type: 'impersonation.started', sid: session.sid })];
  return { session, burn, step: store.redeemTicket({ key: stateKey, burn, rememberFor: 600, guards, ...writes, log: keys.auditLog(tenant), leaves }) };
}

async function givenBackThenReplayed(store: Store) {
  await store.commitTicket({ key: stateKey, ttl: 60, guards, log: keys.auditLog(tenant), leaves: ['{"type":"impersonation.ticket_issued"}'] });
  // The failed attempt's step landed (its session linked); then its redemption failed and gave the ticket back.
  const dead = present(store);
  assert.equal((await dead.step).kind, 'redeemed');
  giveBackTicket(store, stateKey, dead.burn);
  // Waits for the give-back without presenting (a presentation now would be a replay).
  for (let i = 0; (await store.hgetall(stateKey))?.consumedAt; i++) {
    assert.ok(i < 100, 'the ticket came back');
    await sleep(20);
  }
  const live = present(store);
  assert.equal((await live.step).kind, 'redeemed', 'redeemable again');
  const replay = await present(store).step;
  assert.equal(replay.kind, 'replay');
  assert.equal(replay.kind === 'replay' ? replay.sid : undefined, live.session.sid, 'the replay names the live session');
}

describe('a ticket given back comes back without the failed attempt\'s session link', () => {
  it('memory store', async () => {
    const store = createMemoryStore({ prefix: `gb-${randomUUID()}` });
    await givenBackThenReplayed(store);
    await store.close();
  });
  it('redis store', async () => {
    const client = createRedisClient({ url: await testRedisUrl() }, 'store');
    await waitForReady(client, 5_000);
    const store = createRedisStore(client, { prefix: `gb-${randomUUID()}` });
    await givenBackThenReplayed(store);
    await store.close();
  });
});
