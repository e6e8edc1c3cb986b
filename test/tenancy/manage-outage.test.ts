/**
 * The management API with the store away: every route answers RFC 9457 problem details
 * with the stable `store_unavailable` code, 503 and Retry-After, never a 500 — reads (which
 * refresh the configuration from the store), writes, and an opaque token (whose grant is
 * in the store).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startExchangeGatehouse, tokenRequest } from '../exchange/setup.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { api, configureManagement, manageToken, OPS } from './setup.js';

describe('management API while the store is down (real HTTP, real Redis stopped)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let jwt: string;
  let opaque: string;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({ redisUrl: redis.url, configure: configureManagement });
    jwt = await manageToken(gh.issuer, OPS.clientId);
    // Without `resource` the token is opaque: checking it reads its grant from the store.
    const res = await tokenRequest(gh.issuer, OPS.clientId, { grant_type: 'client_credentials', scope: 'read:tenants' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    opaque = res.body.access_token;
    // Up, the API answers.
    assert.equal((await api(gh.issuer, jwt, 'GET', '/tenants')).status, 200);
    await redis.stop();
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  const calls: [string, () => [string | null, string, string, unknown?, Record<string, string>?]][] = [
    ['list tenants', () => [jwt, 'GET', '/tenants']],
    ['read a tenant', () => [jwt, 'GET', '/tenants/acme']],
    ['list a tenant\'s clients', () => [jwt, 'GET', '/tenants/acme/clients']],
    ['list roles', () => [jwt, 'GET', '/roles']],
    ['update a tenant (its ETag is read first)', () => [jwt, 'PATCH', '/tenants/acme', { name: 'Acme' }, { 'if-match': '"1"' }]],
    ['create a tenant', () => [jwt, 'POST', '/tenants', { id: 'initrode', name: 'Initrode', consent: 'opt-in' }]],
    ['an opaque token', () => [opaque, 'GET', '/tenants']],
  ];
  for (const [name, call] of calls) {
    it(`${name}: 503 store_unavailable problem details with Retry-After`, async () => {
      const [token, method, path, body, headers] = call();
      const res = await api(gh.issuer, token, method, path, body, headers);
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.equal(res.body.code, 'store_unavailable');
      assert.equal(res.body.type, 'urn:gatehouse:problem:store_unavailable');
      assert.equal(res.body.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1, `Retry-After: ${res.headers.get('retry-after')}`);
    });
  }
});
