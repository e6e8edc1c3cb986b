/**
 * Tampering with the real Redis stream behind Gatehouse's back, as someone with Redis
 * access would: rewrite an entry, XDEL one in the middle, XDEL the last. `verify` must
 * name the event and the kind of damage each time.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type AuditEvent, type AuditLog, createAuditLog, hashAuditEvent } from '../../src/audit/index.js';
import {
  type RedisClient,
  type Store,
  createRedisClient,
  createRedisStore,
  keys,
  waitForReady,
} from '../../src/store/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { uniquePrefix } from './helpers.js';

describe('audit chain verification against edits of the Redis stream', () => {
  let server: RedisServer;
  let raw: RedisClient;
  let store: Store;
  let log: AuditLog;
  let streamKey: string;
  let headKey: string;
  let events: AuditEvent[];

  before(async () => {
    server = await startRedisServer();
    raw = createRedisClient({ url: server.url }, 'store');
    await waitForReady(raw, 5_000);
  });
  after(async () => {
    await store?.close();
    await raw.quit();
    await server.stop();
  });

  beforeEach(async () => {
    await store?.close();
    const prefix = uniquePrefix('tamper');
    const client = createRedisClient({ url: server.url }, 'store');
    await waitForReady(client, 5_000);
    store = createRedisStore(client, { prefix });
    log = createAuditLog(store);
    streamKey = `${prefix}:${keys.auditStream()}`;
    headKey = `${prefix}:${keys.auditHead()}`;
    events = [];
    for (let i = 0; i < 6; i++) {
      events.push(
        await log.append({
          type: i % 2 ? 'impersonation.ended' : 'impersonation.started',
          admin: 'alice',
          user: `user${i}`,
          tenant: 'acme',
          reason: `ticket ${i}`,
          outcome: 'success',
        }),
      );
    }
    assert.deepEqual(await log.verify(), { ok: true, count: 6, head: events[5]!.hash });
  });

  async function entries(): Promise<Array<[id: string, fields: string[]]>> {
    return raw.xrange(streamKey, '-', '+');
  }

  /** Rebuilds the stream with the same entry ids, one event changed by `edit`. */
  async function rewrite(index: number, edit: (event: Record<string, unknown>) => void): Promise<void> {
    const all = await entries();
    await raw.del(streamKey);
    for (const [i, [id, fields]] of all.entries()) {
      let json = fields[1]!;
      if (i === index) {
        const event = JSON.parse(json) as Record<string, unknown>;
        edit(event);
        json = JSON.stringify(event);
      }
      await raw.xadd(streamKey, id, 'event', json);
    }
  }

  test('an event edited in place is reported as edited', async () => {
    await rewrite(3, (event) => {
      event.user = 'someone-else';
    });
    assert.deepEqual(await log.verify(), {
      ok: false,
      count: 3,
      problem: { id: events[3]!.id, index: 3, kind: 'edited' },
    });
  });

  test('a field added to an event is an edit too', async () => {
    await rewrite(0, (event) => {
      event.note = 'added later';
    });
    assert.deepEqual((await log.verify()).problem, { id: events[0]!.id, index: 0, kind: 'edited' });
  });

  test('an edited event with a recomputed hash breaks the link to the next one', async () => {
    await rewrite(2, (event) => {
      event.reason = 'nothing to see';
      event.hash = hashAuditEvent(event);
    });
    assert.deepEqual((await log.verify()).problem, { id: events[3]!.id, index: 3, kind: 'broken_link' });
  });

  test('an event deleted from the middle (XDEL) is a broken link', async () => {
    const [middleId] = (await entries())[2]!;
    assert.equal(await raw.xdel(streamKey, middleId), 1);
    assert.deepEqual(await log.verify(), {
      ok: false,
      count: 2,
      problem: { id: events[3]!.id, index: 2, kind: 'broken_link' },
    });
  });

  test('a replacement XADDed where one was deleted is still caught', async () => {
    const all = await entries();
    const [victimId, victimFields] = all[4]!;
    await raw.xdel(streamKey, victimId);
    const forged = JSON.parse(victimFields[1]!) as Record<string, unknown>;
    forged.reason = 'routine check';
    await raw.xadd(streamKey, '*', 'event', JSON.stringify(forged));
    assert.equal((await log.verify()).ok, false);
  });

  test('the last event deleted (XDEL) is a head mismatch', async () => {
    const last = (await entries()).at(-1)!;
    await raw.xdel(streamKey, last[0]);
    assert.deepEqual(await log.verify(), {
      ok: false,
      count: 5,
      problem: { id: events[4]!.id, index: 4, kind: 'head_mismatch' },
    });
  });

  test('the head key deleted is a head mismatch, and the next append cannot hide it', async () => {
    await raw.del(headKey);
    assert.equal((await log.verify()).problem?.kind, 'head_mismatch');
    // A fresh instance sees no head and starts a new chain at genesis: a broken link.
    await createAuditLog(store).append({ type: 'admin.login', admin: 'alice', outcome: 'success' });
    assert.deepEqual((await log.verify()).problem?.kind, 'broken_link');
  });

  test('the whole stream deleted is a head mismatch', async () => {
    await raw.del(streamKey);
    assert.deepEqual(await log.verify(), { ok: false, count: 0, problem: { id: '', index: 0, kind: 'head_mismatch' } });
  });

  test('appends after a deleted tail break the link there', async () => {
    await raw.xdel(streamKey, (await entries()).at(-1)![0]);
    await log.append({ type: 'admin.login', admin: 'alice', outcome: 'success' });
    assert.deepEqual((await log.verify()).problem?.kind, 'broken_link');
  });
});
