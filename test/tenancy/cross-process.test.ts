/**
 * No restart, every instance (PROTOCOL §11): two real `src/server.ts` processes of one
 * deployment on one real redis-server. What the management API changes on instance A is
 * enforced by instance B: a tenant and its client created on A get a token from B; a
 * tenant moved to consent `approval` on A makes a mint on B need an approved request. B is
 * polled until it follows (no timing is asserted: the propagation time is reported as a
 * diagnostic; `npm run bench:propagation` measures it against the 1 s bound).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../audit/helpers.js';
import { configureExchange, mintFields, SECRETS, tokenRequest } from '../exchange/setup.js';
import { ALICE } from '../approvals/setup.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { runCli } from '../helpers/cli.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { useLink } from '../helpers/enroll.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnPair } from '../helpers/gatehouse-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { api, configureManagement, manageToken, OPS } from './setup.js';

describe('a change on one instance is enforced by another, without a restart (two processes, real Redis)', () => {
  let redis: RedisServer;
  let a: GatehouseProcess;
  let b: GatehouseProcess;
  let bIssuer: string;
  let ops: string;
  let actor: string;
  let bob: string;

  before(async () => {
    redis = await startRedisServer();
    const raw = baseConfig();
    configureExchange(raw);
    configureManagement(raw);
    raw.storePrefix = `tenancy${process.pid}`;
    raw.policy.rateLimits = { ticketsPerAdmin: { points: 10_000, duration: 900 } };
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
    const pair = await spawnPair(raw, env);
    ({ one: a, two: b } = pair);
    bIssuer = `http://127.0.0.1:${b.port}`;
    ops = await manageToken(a.issuer, OPS.clientId);
    const { agent } = await signInConsole(a.issuer, ALICE);
    const key = new SoftwareAuthenticator();
    const link = await runCli(['admin', 'enroll-link', ALICE.email], { REDIS_URL: redis.url, GATEHOUSE_CONFIG: pair.configPath, GATEHOUSE_ISSUER: pair.issuer });
    assert.equal((await useLink(link.stdout.trim(), ALICE.password, key)).status, 200, link.stderr);
    actor = (await stepUp(a.issuer, agent, key)).accessToken;
    const users = await (await agent.fetch(`${a.issuer}/admin/users?tenant=acme&q=bob`)).text();
    bob = /data-user="([^"]+)"/.exec(users)?.[1] ?? '';
    assert.ok(bob, 'bob is listed');
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('a tenant and its client created through the API on A: B issues that client a client_credentials token', async (t) => {
    assert.equal((await api(a.issuer, ops, 'POST', '/tenants', { id: 'initrode', name: 'Initrode' })).status, 201);
    const created = await api(a.issuer, ops, 'POST', '/tenants/initrode/clients', { clientId: 'initrode-app', grantTypes: ['client_credentials'], scope: 'audit:read' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const at = Date.now();
    SECRETS['initrode-app'] = created.body.clientSecret;
    const token = await waitFor('B to issue initrode-app a token', async () => {
      const res = await tokenRequest(bIssuer, 'initrode-app', { grant_type: 'client_credentials', scope: 'audit:read' });
      return res.status === 200 ? res.body : null;
    });
    t.diagnostic(`B followed after ${Date.now() - at} ms`);
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.scope, 'audit:read');
  });

  it("acme's consent moved to approval on A: a mint on B needs an approved request", async (t) => {
    const ok = await tokenRequest(bIssuer, 'support-console', mintFields(actor, bob));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const etag = (await api(a.issuer, ops, 'GET', '/tenants/acme')).headers.get('etag')!;
    const changed = await api(a.issuer, ops, 'PATCH', '/tenants/acme', { consent: 'approval' }, { 'if-match': etag });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const at = Date.now();
    const refused = await waitFor('B to require an approved request', async () => {
      const res = await tokenRequest(bIssuer, 'support-console', mintFields(actor, bob));
      return res.status === 400 ? res.body : null;
    });
    t.diagnostic(`B followed after ${Date.now() - at} ms`);
    assert.equal(refused.error, 'invalid_request');
    assert.match(refused.error_description, /approved access request/);
  });
});
