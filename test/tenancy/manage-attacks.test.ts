/**
 * Attacks on the management API (PROTOCOL §11), through HTTP on a real Gatehouse and Redis:
 * only a management client's token for the management audience changes anything; a tenant
 * client cannot, with any token it can get; a read-only or narrower scope cannot; a
 * management client cannot mint or impersonate; and malformed bodies (fuzzed) get 400-class
 * problem details, never a 5xx.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lastEvent, mintFields, passwordAdminToken, T, tokenRequest, userId } from '../exchange/setup.js';
import { api, AUDITOR, managedGatehouse, manageToken, OPS } from './setup.js';
import { TENANT_PORT, tenantOrigin } from '../helpers/ports.js';

describe('management API attacks (real HTTP, real Redis)', () => {
  const m = managedGatehouse();

  const problem = (res: { status: number; body: any; headers: Headers }, status: number, code: string) => {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.body.code, code);
    assert.equal(res.body.type, `urn:gatehouse:problem:${code}`);
  };
  const tryCreate = (token: string | null) => api(m.gh.issuer, token, 'POST', '/tenants', { id: 'hijack', name: 'Hijack' });

  it('no token, a forged one, or an admin’s own access token: 401', async () => {
    problem(await tryCreate(null), 401, 'token_missing');
    problem(await tryCreate('not-a-token-at-all-0123456789'), 401, 'token_invalid');
    const forged = m.ops.replace(/\.[^.]+$/, '.AAAA');
    problem(await tryCreate(forged), 401, 'token_invalid');
    problem(await tryCreate(await passwordAdminToken(m.gh, 'alice@gatehouse.test', 'alice-demo-pass')), 401, 'token_invalid');
    assert.equal(m.gh.gatehouse.services.tenancy.view().tenant('hijack'), undefined);
  });

  it('a tenant client cannot change anything: 403 with its own token; it gets no management token at all', async () => {
    const own = await tokenRequest(m.gh.issuer, 'acme-app', { grant_type: 'client_credentials', scope: 'audit:read' });
    problem(await tryCreate(own.body.access_token), 403, 'not_management_client');
    const domainToken = await tokenRequest(m.gh.issuer, 'acme-app', { grant_type: 'client_credentials', resource: tenantOrigin('acme') });
    assert.equal(domainToken.status, 200, JSON.stringify(domainToken.body));
    problem(await tryCreate(domainToken.body.access_token), 403, 'not_management_client');
    const asked = await tokenRequest(m.gh.issuer, 'acme-app', { grant_type: 'client_credentials', resource: `${m.gh.issuer}/manage` });
    assert.deepEqual([asked.status, asked.body.error], [400, 'invalid_target']);
    const scoped = await tokenRequest(m.gh.issuer, 'acme-app', { grant_type: 'client_credentials', scope: 'manage:tenants' });
    assert.deepEqual([scoped.status, scoped.body.error], [400, 'invalid_scope']);
  });

  it('/manage refuses a management client’s token of another audience (no RFC 8707 resource): 401', async () => {
    const opaque = await tokenRequest(m.gh.issuer, OPS.clientId, { grant_type: 'client_credentials', scope: 'manage:tenants' });
    assert.equal(opaque.status, 200, JSON.stringify(opaque.body));
    const refused = await tryCreate(opaque.body.access_token);
    problem(refused, 401, 'token_wrong_audience');
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  });

  it('a read-only or narrower scope changes nothing: 403 insufficient_scope', async () => {
    const reader = await manageToken(m.gh.issuer, AUDITOR.clientId, 'read:tenants read:clients read:roles');
    assert.equal((await api(m.gh.issuer, reader, 'GET', '/tenants/acme')).status, 200);
    problem(await tryCreate(reader), 403, 'insufficient_scope');
    const etag = (await api(m.gh.issuer, reader, 'GET', '/tenants/acme')).headers.get('etag')!;
    problem(await api(m.gh.issuer, reader, 'PATCH', '/tenants/acme', { consent: 'none' }, { 'if-match': etag }), 403, 'insufficient_scope');
    const rolesOnly = await manageToken(m.gh.issuer, OPS.clientId, 'manage:roles');
    problem(await tryCreate(rolesOnly), 403, 'insufficient_scope');
    problem(await api(m.gh.issuer, rolesOnly, 'POST', '/tenants/acme/clients', { clientId: 'x-app' }), 403, 'insufficient_scope');
    const asked = await tokenRequest(m.gh.issuer, AUDITOR.clientId, { grant_type: 'client_credentials', scope: 'manage:tenants', resource: `${m.gh.issuer}/manage` });
    assert.deepEqual([asked.status, asked.body.error], [400, 'invalid_scope'], 'a read-only client cannot ask for more');
  });

  it('the API manages tenant clients only: no console or management client is created or changed through it', async () => {
    problem(await api(m.gh.issuer, m.ops, 'POST', '/tenants/acme/clients', { clientId: 'evil-console', role: 'support-console' }), 403, 'forbidden');
    problem(await api(m.gh.issuer, m.ops, 'POST', '/tenants/acme/clients', { clientId: 'evil-ops', role: 'management', grantTypes: ['client_credentials'], scope: 'manage:roles' }), 403, 'forbidden');
  });

  it('a management client cannot mint or impersonate', async () => {
    const bob = await userId(m.gh, 'acme', 'bob@acme.test');
    const minted = await tokenRequest(m.gh.issuer, OPS.clientId, mintFields(m.ops, bob));
    assert.deepEqual([minted.status, minted.body.error], [400, 'unauthorized_client']);
    const asActor = await tokenRequest(m.gh.issuer, 'support-console', mintFields(m.ops, bob));
    assert.deepEqual([asActor.status, asActor.body.error], [400, 'invalid_request']);
    assert.equal((await lastEvent(m.gh, 'impersonation.denied'))?.code, 'actor_token_invalid');
    const asSubject = await tokenRequest(m.gh.issuer, 'support-console', mintFields(m.ops, m.ops, { subject_token_type: T.accessToken }));
    assert.equal(asSubject.status, 400);
    const code = await tokenRequest(m.gh.issuer, OPS.clientId, { grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://x/', code_verifier: 'x'.repeat(43) });
    assert.equal(code.body.error, 'unauthorized_client');
  });

  it('unknown paths and methods are problems too', async () => {
    problem(await api(m.gh.issuer, m.ops, 'GET', '/nothing-here'), 404, 'not_found');
    problem(await api(m.gh.issuer, m.ops, 'DELETE', '/tenants'), 405, 'method_not_allowed');
    problem(await api(m.gh.issuer, m.ops, 'GET', '/tenants/no-such-tenant'), 404, 'not_found');
    problem(await api(m.gh.issuer, m.ops, 'GET', '/tenants?limit=0'), 400, 'query_invalid');
  });

  it('malformed bodies get 400-class problem details, never a 5xx (fuzzed)', async () => {
    const etag = async (path: string) => (await api(m.gh.issuer, m.ops, 'GET', path)).headers.get('etag') ?? '"0"';
    const targets = [
      { method: 'POST', path: '/tenants' },
      { method: 'PATCH', path: '/tenants/acme', etag: '/tenants/acme' },
      { method: 'POST', path: '/tenants/acme/domains' },
      { method: 'POST', path: `/tenants/acme/domains/acme.localhost:${TENANT_PORT}/verify` },
      { method: 'POST', path: '/tenants/acme/clients' },
      { method: 'PATCH', path: '/tenants/acme/clients/acme-app', etag: '/tenants/acme/clients/acme-app' },
      { method: 'POST', path: '/tenants/acme/clients/acme-app/rotate-secret' },
      { method: 'PUT', path: '/roles/fuzzed', ifNoneMatch: true },
    ];
    const value = fc.oneof(fc.jsonValue(), fc.string(), fc.constantFrom(null, -1, 1e308, '', 'x'.repeat(5000), '\u202e', ['*'], { $ref: 1 }));
    const shaped = fc.dictionary(
      fc.constantFrom('id', 'name', 'consent', 'domains', 'origin', 'clientId', 'redirectUris', 'grantTypes', 'scope', 'tenants', 'impersonation', 'approvers', 'overlapSeconds', 'method', 'role', 'backchannelLogoutUri', '__proto__', 'constructor'),
      value,
    );
    const body = fc.oneof(
      shaped.map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.constantFrom('{', '{"a":', '[]', 'null', '"str"', '{"id":"x","name":"y"}}', '\u0000', `{"name":"${'a'.repeat(70_000)}"}`),
    );
    const contentType = fc.constantFrom('application/json', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', '');
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), body, contentType, async (target, text, type) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (target.etag) headers['if-match'] = await etag(target.etag);
        if (target.ifNoneMatch) headers['if-none-match'] = '*';
        const res = await fetch(`${m.gh.issuer}/manage/v1${target.path}`, { method: target.method, headers: { authorization: `Bearer ${m.ops}`, ...headers }, body: text });
        const answer = await res.text();
        seen.add(res.status);
        if (res.status >= 500) throw new Error(`${target.method} ${target.path} ${JSON.stringify(text).slice(0, 200)} → ${res.status} ${answer}`);
        if (res.status >= 400) assert.equal(res.headers.get('content-type'), 'application/problem+json', answer);
      }),
      { numRuns: 300, seed: 15 },
    );
    assert.ok(seen.has(400) && seen.has(415), `statuses seen: ${[...seen].join(', ')}`);
    assert.ok(!m.gh.logs.lines.some((l) => /"level":50/.test(l) && l.includes('management API')), 'no request failed as a server error');
  });
});
