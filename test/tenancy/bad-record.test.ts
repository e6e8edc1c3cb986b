/**
 * One odd configuration record in the store — valid JSON of the wrong shape, written by hand
 * or by an older release — must not freeze configuration on every instance: the view is
 * built record by record, the odd one skipped and logged, the rest served, and later
 * changes still reach every instance. Two Gatehouse instances on one real Redis; the odd
 * records are committed straight into the store's configuration hashes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SECRETS, startExchangeGatehouse, tokenRequest } from '../exchange/setup.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { tenantOrigin } from '../helpers/ports.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { api, configureManagement, manageToken, OPS } from './setup.js';

describe('a malformed configuration record in the store (two instances, real Redis)', () => {
  let redis: TestRedis;
  let a: TestGatehouse;
  let b: TestGatehouse;
  let ops: string;
  const prefix = `badrec${process.pid}`;

  before(async () => {
    redis = await startTestRedis();
    a = await startExchangeGatehouse({ redisEnv: redis.env, storePrefix: prefix, configure: configureManagement });
    b = await startExchangeGatehouse({ redisEnv: redis.env, storePrefix: prefix, configure: configureManagement });
    ops = await manageToken(a.issuer, OPS.clientId);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('is skipped and logged; the other tenants and clients are served, and a later change reaches the other instance', { timeout: 30_000 }, async () => {
    const now = Date.now();
    const written = await a.gatehouse.services.store.tenancyCommit(
      [],
      [
        // A tenant without `domains`.
        { kind: 'tenant', id: 'no-domains', body: JSON.stringify({ id: 'no-domains', name: 'No domains', consent: 'none', disabled: false, createdAt: now, updatedAt: now }) },
        // An active client of acme whose redirect URI is not a URL.
        {
          kind: 'client',
          id: 'bad-uri',
          body: JSON.stringify({ clientId: 'bad-uri', name: 'Bad URI', role: 'tenant', tenant: 'acme', redirectUris: ['not a url'], postLogoutRedirectUris: [], grantTypes: ['authorization_code'], scope: 'openid', secrets: [], createdAt: now, updatedAt: now }),
        },
        // A role that is JSON, but not an object.
        { kind: 'role', id: 'null-role', body: 'null' },
      ],
    );
    assert.ok(written.ok);

    // The instance that reads the store again for a management request serves the rest.
    const acme = await api(a.issuer, ops, 'GET', '/tenants/acme');
    assert.equal(acme.status, 200, JSON.stringify(acme.body));
    const listed = await api(a.issuer, ops, 'GET', '/tenants?limit=100');
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.ok(!listed.body.items.some((t: { id: string }) => t.id === 'no-domains'));
    for (const [kind, id] of [['tenant', 'no-domains'], ['client', 'bad-uri'], ['role', 'null-role']]) {
      assert.match(a.logs.text(), new RegExp(`"kind":"${kind}","id":"${id}"`), `${kind} ${id} is logged`);
    }

    // A change made after it reaches the other instance, which authenticates the new client.
    const created = await api(a.issuer, ops, 'POST', '/tenants/acme/clients', { clientId: 'acme-batch-2', name: 'Acme batch 2', grantTypes: ['client_credentials'], scope: 'audit:read' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    SECRETS['acme-batch-2'] = created.body.clientSecret;
    let token = await tokenRequest(b.issuer, 'acme-batch-2', { grant_type: 'client_credentials', scope: 'audit:read' });
    for (let i = 0; i < 100 && token.status !== 200; i++) {
      await sleep(100);
      token = await tokenRequest(b.issuer, 'acme-batch-2', { grant_type: 'client_credentials', scope: 'audit:read' });
    }
    assert.equal(token.status, 200, `instance B never followed: ${JSON.stringify(token.body)}`);
    const view = b.gatehouse.services.tenancy.view();
    assert.equal(view.version, a.gatehouse.services.tenancy.view().version);
    assert.deepEqual(view.tenants.map((t) => t.id), ['acme', 'globex', 'initech', 'wonka']);
    assert.equal(view.domainOf(tenantOrigin('globex'))?.tenant.id, 'globex');
    assert.equal(view.client('bad-uri'), undefined);
    assert.ok(view.roles.every((r) => r && typeof r.name === 'string'));
  });
});
