/**
 * A leg's writes and its audit leaf commit together (issue 17): Redis is SIGKILLed, and the
 * server's connections cut (CLIENT KILL), at random moments while 1,000 mints, each followed
 * by its redemption, run against one Gatehouse. Redis keeps what it acknowledged (AOF,
 * appendfsync always; a script's effects reach the AOF whole). After recovery a scan finds
 * no ticket without its `impersonation.ticket_issued` leaf and no such leaf without its
 * ticket, no session without its `impersonation.started` leaf and no such leaf without its
 * session; and the log verifies. (The store's client never resends a step whose reply a dropped
 * connection lost, src/store/redis.ts; a step run again all the same, by a retry, answers as it
 * did: test/store-legs.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { keys } from '../../src/store/keys.js';
import { type DurableExchange, startDurableExchange } from '../helpers/durable-exchange.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { impersonationLoad, tally } from '../helpers/impersonation-load.js';
import { cli, type RedisNode, waitUntil } from '../helpers/redis-node.js';

const MINTS = 1_000;
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

describe('mints and redemptions while Redis dies and connections drop', () => {
  let redis: RedisNode;
  let gh: TestGatehouse;
  let actor: string;
  let bob: string;

  let setup: DurableExchange;

  before(async () => {
    setup = await startDurableExchange('legs', {
      storePrefix: 'legs',
      configure: (raw) => {
        raw.policy.ticketTtl = 300;
      },
    });
    ({ redis, gh, actor, bob } = setup);
  });
  after(() => setup?.stop());

  it('no ticket without its ticket_issued leaf, no session without its started leaf, and the other way round', async () => {
    let minted = 0;
    let kills = 0;
    let cuts = 0;
    let done = false;
    const load = impersonationLoad({
      instances: [gh.issuer],
      actor,
      subject: bob,
      workers: 8,
      until: () => minted >= MINTS,
      maxMs: 240_000,
      // 1,000 tickets issued (attempts refused while Redis is down do not count).
      onOutcome: (o) => void (o.leg === 'mint' && o.status === 200 && minted++),
    }).finally(() => (done = true));
    const faults = (async () => {
      // A fault every few dozen tickets, whatever the machine's speed, at a random moment of the load.
      for (let next = random(20, 60); !done; next += random(20, 60)) {
        while (!done && minted < next) await sleep(random(1, 15));
        if (done) break;
        if (Math.random() < 0.5) {
          await redis.kill();
          kills++;
          await sleep(random(50, 400));
          await redis.start();
        } else {
          // Every client connection but this one: the server's store, limiter and queue connections.
          await cli(redis.port, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes').catch(() => '');
          cuts++;
        }
      }
    })();
    const [outcomes] = await Promise.all([load, faults]);
    const counts = tally(outcomes);
    assert.ok(kills + cuts >= 10, `faults injected: ${kills} kills, ${cuts} cuts`);
    assert.ok(outcomes.some((o) => o.status === 503), JSON.stringify(counts));
    assert.ok(outcomes.filter((o) => o.leg === 'redeem' && o.status === 200).length >= 100, JSON.stringify(counts));
    // Each redemption is its ticket's first presentation: a success or a 503, never a replay of itself.
    assert.deepEqual(outcomes.filter((o) => o.status !== 200 && o.status !== 503).map((o) => `${o.leg} ${o.status} ${o.error}`), [], JSON.stringify(counts));

    // Recovered, and every give-back of a failed redemption has had its chance.
    const store = gh.gatehouse.services.store;
    await waitUntil('the store answers again', () => store.ping().then(() => true));
    await sleep(3_000);

    const log = keys.auditLog('acme');
    const { size } = await store.tlogState(log);
    const issuedAt = new Set<number>();
    const startedSids = new Map<string, number>();
    for (let start = 0; start < size; start += 1000) {
      for (const { index, leaf } of await store.tlogRead(log, start, 1000)) {
        const event = JSON.parse(leaf) as { type: string; sid?: string };
        if (event.type === 'impersonation.ticket_issued') issuedAt.add(index);
        if (event.type === 'impersonation.started') startedSids.set(event.sid!, (startedSids.get(event.sid!) ?? 0) + 1);
      }
    }
    const scan = async (pattern: string) => (await cli(redis.port, '--scan', '--pattern', pattern)).split('\n').filter(Boolean);
    const ticketKeys = await scan('legs:{audit:acme}:ticket:*');
    const sessionKeys = await scan('legs:{audit:acme}:imp-session:*');

    // Each ticket names its leaf (the index its step appended it at): one leaf, one ticket.
    const named = new Map<number, number>();
    const orphanTickets: string[] = [];
    const states = await store.hashReads(ticketKeys.map((key) => ({ key: key.slice('legs:'.length), fields: ['i'] })));
    for (const [n, key] of ticketKeys.entries()) {
      const index = Number(states[n]?.i);
      if (!issuedAt.has(index)) orphanTickets.push(`${key} → ${index}`);
      named.set(index, (named.get(index) ?? 0) + 1);
    }
    assert.deepEqual(orphanTickets, [], 'tickets without their ticket_issued leaf');
    const unmatched = [...issuedAt].filter((i) => named.get(i) !== 1).map((i) => `leaf ${i}: ${named.get(i) ?? 0} tickets`);
    assert.deepEqual(unmatched, [], 'ticket_issued leaves without exactly one ticket');

    const sids = sessionKeys.map((key) => key.slice(key.lastIndexOf(':') + 1));
    assert.deepEqual(sids.filter((sid) => startedSids.get(sid) !== 1), [], 'sessions without exactly one started leaf');
    const stored = new Set(sids);
    assert.deepEqual([...startedSids.keys()].filter((sid) => !stored.has(sid)), [], 'started leaves without their session');

    assert.equal((await gh.gatehouse.services.audit.verify({ logs: ['acme'] })).ok, true);
    process.stderr.write(
      `leg-atomicity: ${kills} Redis kills, ${cuts} connection cuts; ${ticketKeys.length} tickets, ${issuedAt.size} ticket_issued leaves; ${sessionKeys.length} sessions, ${startedSids.size} started leaves; ${JSON.stringify(counts)}\n`,
    );
  });
});
