/**
 * PROTOCOL §10.2: an actor token issued before the admin's sessions were last ended is dead,
 * and one whose issue time is unknown counts as the oldest (accounts/records.ts,
 * `issuedBeforeLastDisable`). The token's grant is left live here, as for a token saved in a
 * race with the revocation; its stored record loses its `iat`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keys } from '../../src/store/keys.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { mintFields, passwordAdminToken, startExchangeGatehouse, tokenRequest, userId } from './setup.js';

describe('an actor token without an issue time, after the admin’s sessions were ended (real HTTP, real Redis)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;

  before(async () => {
    redis = await startTestRedis();
    gh = await startExchangeGatehouse({ redisEnv: redis.env });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  /** Removes `iat` from the token's stored record, keeping its expiry. */
  async function forgetIssueTime(token: string) {
    const { store } = gh.gatehouse.services;
    const key = keys.oidcModel('AccessToken', token);
    const stored = await store.hgetall(key);
    assert.ok(stored?.payload, 'the token is stored');
    const payload = JSON.parse(stored.payload);
    assert.equal(typeof payload.iat, 'number');
    delete payload.iat;
    await store.hset(key, { payload: JSON.stringify(payload) }, await store.ttl(key));
  }

  it('is refused as actor_token_invalid, as one issued before the stamp is', async () => {
    const admin = (await gh.gatehouse.services.accounts.admins.findByEmail('alice@gatehouse.test'))!;
    const bob = await userId(gh, 'acme', 'bob@acme.test');
    const withIat = await passwordAdminToken(gh, 'alice@gatehouse.test', 'alice-demo-pass');
    const withoutIat = await passwordAdminToken(gh, 'alice@gatehouse.test', 'alice-demo-pass');
    await forgetIssueTime(withoutIat);
    await gh.gatehouse.services.accounts.admins.endSessions(admin.id);

    for (const token of [withIat, withoutIat]) {
      const res = await tokenRequest(gh.issuer, 'support-console', mintFields(token, bob));
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error_description, 'actor token is invalid, expired or revoked');
    }
    const refused = (await gh.gatehouse.services.audit.list({ type: 'impersonation.denied' }, { limit: 2 })).events;
    assert.deepEqual(refused.map((e) => e.code), ['actor_token_invalid', 'actor_token_invalid']);
  });
});
