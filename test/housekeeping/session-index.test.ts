/**
 * Housekeeping (issue 10): the session indexes (`imp-sessions-{admin,user,tenant}`, in the tenant's slot) hold
 * only sessions whose records can still exist (live, or kept 30 days as history); they
 * used to keep every session ever started (19,000 members after 19,000 sessions).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SESSION_HISTORY_SECONDS, startSession } from '../../src/impersonation/sessions.js';
import { createMemoryStore, createStore, keys, type Store, waitForReady } from '../../src/store/index.js';
import { testRedisUrl } from '../helpers/redis-server.js';

const DAY = 86400_000;
const indexes = (admin: string, user: string, tenant: string) => [keys.sessionsByAdmin(tenant, admin), keys.sessionsByUser(tenant, user), keys.sessionsByTenant(tenant)];

for (const [name, make] of [
  ['memory', async () => createMemoryStore({ prefix: 'idx' })],
  [
    'redis',
    async () => {
      const { store, redis } = createStore({ url: await testRedisUrl() }, { prefix: `idx${process.pid}` });
      await waitForReady(redis!, 10_000);
      return store;
    },
  ],
] as const) {
  describe(`session indexes are pruned (${name} store)`, () => {
    let store: Store;
    after(async () => store?.close());

    it('a new session drops members older than any record they could name, and the index expires when unused', async () => {
      store = await make();
      const now = Date.now();
      const [admin, user, tenant] = ['adm_prune', `usr_prune${name}`, `prune-${name}`];
      // 500 sessions from long ago (records long expired) and 5 from yesterday (retained history).
      for (const key of indexes(admin, user, tenant)) {
        for (let i = 0; i < 500; i++) await store.zadd(key, now - (SESSION_HISTORY_SECONDS * 1000 + 9 * 3600_000) - i * DAY, `imp_old${i}`);
        for (let i = 0; i < 5; i++) await store.zadd(key, now - DAY - i, `imp_recent${i}`);
      }
      const session = await startSession(store, { admin, user, tenant, audience: 'https://a.test', client: 'c', reason: 'r', scope: [], duration: 600 });
      for (const key of indexes(admin, user, tenant)) {
        const members = await store.zrevrange(key, 0, -1);
        assert.deepEqual(members, [session.sid, ...[0, 1, 2, 3, 4].map((i) => `imp_recent${i}`)], key);
        const ttl = await store.ttl(key);
        assert.ok(ttl > SESSION_HISTORY_SECONDS && ttl <= SESSION_HISTORY_SECONDS + 8 * 3600, `${key} ttl ${ttl}`);
      }
    });
  });
}
