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
import { giveBackTicket, linkSession, mintTicket, presentTicket, type TicketRecord } from '../../src/impersonation/tickets.js';
import { keys } from '../../src/store/keys.js';
import { createMemoryStore, createRedisClient, createRedisStore, waitForReady } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { testRedisUrl } from '../helpers/redis-server.js';

const record: TicketRecord = {
  subject: 'usr_1',
  tenant: 'acme',
  audience: 'https://app.acme.example',
  actor: 'adm_1',
  scope: ['openid'],
  reason: 'ZD-1: give-back',
  duration: 600,
  consoleClient: 'support-console',
  issuedAt: Date.now(),
} as TicketRecord;

async function givenBackThenReplayed(store: Store) {
  const ticket = await mintTicket(store, record, 60);
  const first = await presentTicket(store, ticket, 600);
  assert.equal(first.kind, 'first');
  if (first.kind !== 'first') return;
  // The failed attempt's link landed; then its redemption failed and gave the ticket back.
  await linkSession(store, first.ticketHash, 'sid-dead', 600);
  giveBackTicket(store, first.ticketHash, first.burn);
  // Waits for the give-back without presenting (a presentation now would be a replay).
  for (let i = 0; (await store.hgetall(keys.legacyTicket(first.ticketHash)))?.consumedAt; i++) {
    assert.ok(i < 100, 'the ticket came back');
    await sleep(20);
  }
  const again = await presentTicket(store, ticket, 600);
  assert.equal(again.kind, 'first', 'redeemable again');
  if (again.kind !== 'first') return;
  assert.deepEqual(await linkSession(store, again.ticketHash, 'sid-live', 600), { replayed: false });
  const replay = await presentTicket(store, ticket, 600);
  assert.equal(replay.kind, 'replay');
  assert.equal(replay.kind === 'replay' ? replay.sid : undefined, 'sid-live', 'the replay names the live session');
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
