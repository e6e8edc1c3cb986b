/**
 * Audit details hold at most 2,000 characters a value (src/audit/events.ts). A change whose
 * natural detail is a long list — a role over many tenants with long ids, a domain removed
 * from many clients with long ids — is still saved and audited (the list named by its digest
 * past the bound, with its count), never a 500.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastEvent } from '../exchange/setup.js';
import { tenantOrigin } from '../helpers/ports.js';
import { api, managedGatehouse } from './setup.js';

describe('management API: changes whose audit details would be long lists (real HTTP, real Redis)', () => {
  const m = managedGatehouse();
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => api(m.gh.issuer, m.ops, method, path, body, headers);


  it('a role over 40 tenants with 60-character ids: 201 and 200, audited', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, '0')}-${'x'.repeat(56)}`);
    for (const id of ids) assert.equal((await call('POST', '/tenants', { id, name: id })).status, 201);
    const created = await call('PUT', '/roles/wide-support', { tenants: ids, sensitive: false }, { 'if-none-match': '*' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.tenants, ids);
    const event = await lastEvent(m.gh, 'tenancy.role_created');
    assert.equal(event?.details?.role, 'wide-support');
    assert.match(String(event?.details?.tenants), /^sha256:[0-9a-f]{64}$/, 'the list past the bound is named by its digest');
    assert.equal(event?.details?.tenantCount, 40);

    const updated = await call('PUT', '/roles/wide-support', { tenants: ids.slice(1), sensitive: false }, { 'if-match': created.headers.get('etag')! });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal((await lastEvent(m.gh, 'tenancy.role_updated'))?.details?.tenantCount, 39);
  });

  it('a domain removed from 25 clients with 100-character ids: 200, audited', async () => {
    const origin = tenantOrigin('acme');
    const ids = Array.from({ length: 25 }, (_, i) => `acme-${String(i).padStart(2, '0')}-${'c'.repeat(92)}`);
    for (const clientId of ids) {
      const res = await call('POST', '/tenants/acme/clients', { clientId, name: clientId, grantTypes: ['authorization_code'], redirectUris: [`${origin}/cb`] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const removed = await call('DELETE', `/tenants/acme/domains/${new URL(origin).host}`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    for (const id of ids) assert.ok(removed.body.clientsChanged.includes(id));
    const event = await lastEvent(m.gh, 'tenancy.domain_removed');
    assert.equal(event?.details?.origin, origin);
    assert.match(String(event?.details?.clientsChanged), /^sha256:[0-9a-f]{64}$/);
    assert.equal(event?.details?.clientsChangedCount, removed.body.clientsChanged.length);
  });
});
