/**
 * The management API over HTTP on a real Gatehouse and Redis (PROTOCOL §11): tenants with
 * ETags, a domain proven over HTTP before it is an audience (and an outstanding ticket for
 * it failing once it is removed), client secrets rotated with an overlap, a deleted client's
 * tokens inactive, and a consent downgrade in the tenant's own log, provable with its
 * `audit:read` client and announced by webhook.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readAuditLog } from '../../src/rp/index.js';
import { startReceiver, type Receiver, waitFor } from '../audit/helpers.js';
import { accountSignIn } from '../approvals/setup.js';
import { lastEvent, mintFields, redeemFields, SECRETS, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import { steppedUpActor } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { api, configureManagement, manageToken, OPS, startDomainServer } from './setup.js';
import { tenantOrigin } from '../helpers/ports.js';

describe('management API (real HTTP, real Redis)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let receiver: Receiver;
  let domains: Awaited<ReturnType<typeof startDomainServer>>;
  let ops: string;
  let actor: string;
  let bob: string;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => api(gh.issuer, ops, method, path, body, headers);

  before(async () => {
    redis = await startTestRedis();
    receiver = await startReceiver();
    domains = await startDomainServer();
    gh = await startExchangeGatehouse({
      redisEnv: redis.env,
      configure: (raw) => {
        configureManagement(raw);
        // No `events`: the defaults, which announce protection changes.
        raw.webhooks = [{ url: receiver.url, format: 'json', secret: 'dev-webhook-secret' }];
        raw.audit = { checkpointSeconds: 1 };
      },
    });
    ops = await manageToken(gh.issuer, OPS.clientId);
    actor = await steppedUpActor(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
    await receiver?.close();
    await domains?.close();
  });

  it('tenants: created (201, Location, ETag), read, and listed a page at a time', async () => {
    const created = await call('POST', '/tenants', { id: 'initrode', name: 'Initrode', consent: 'opt-in' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), '/manage/v1/tenants/initrode');
    assert.match(created.headers.get('etag') ?? '', /^"\d+"$/);
    const read = await call('GET', '/tenants/initrode');
    assert.equal(read.body.consent, 'opt-in');
    assert.equal(read.headers.get('etag'), created.headers.get('etag'));
    const first = await call('GET', '/tenants?limit=2');
    assert.deepEqual(first.body.items.map((t: { id: string }) => t.id), ['acme', 'globex']);
    assert.match(first.headers.get('link') ?? '', /rel="next"/);
    const rest = await call('GET', `/tenants?limit=10&cursor=${first.body.nextCursor}`);
    assert.deepEqual(rest.body.items.map((t: { id: string }) => t.id), ['initech', 'initrode', 'wonka']);
    assert.equal(rest.body.nextCursor, undefined);
  });

  it('updates carry If-Match: 428 without, 412 when stale; of two concurrent updates with one ETag exactly one succeeds', async () => {
    const etag = (await call('GET', '/tenants/initrode')).headers.get('etag')!;
    const missing = await call('PATCH', '/tenants/initrode', { name: 'Initrode Inc' });
    assert.equal(missing.status, 428);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    assert.equal(missing.body.code, 'precondition_required');
    const [a, b] = await Promise.all([
      call('PATCH', '/tenants/initrode', { name: 'Initrode Inc' }, { 'if-match': etag }),
      call('PATCH', '/tenants/initrode', { supportTeamLabel: 'helpdesk' }, { 'if-match': etag }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 412], JSON.stringify([a.body, b.body]));
    const loser = a.status === 412 ? a : b;
    assert.deepEqual([loser.body.type, loser.body.code], ['urn:gatehouse:problem:precondition_failed', 'precondition_failed']);
    assert.equal((await call('PATCH', '/tenants/initrode', { name: 'Again' }, { 'if-match': etag })).status, 412, 'the stale ETag stays stale');
  });

  it('a domain added through the API is no audience until proven over HTTP; then mints; removed, its outstanding ticket fails', async () => {
    const origin = `http://newshop.localhost:${domains.port}`;
    const added = await call('POST', '/tenants/acme/domains', { origin });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.status, 'pending');
    assert.equal(added.body.verification.http.url, `${origin}/.well-known/gatehouse-domain-verification`);
    const refused = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob, { audience: origin }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_target');
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'audience_unverified');
    const unproven = await call('POST', `/tenants/acme/domains/newshop.localhost:${domains.port}/verify`);
    assert.equal(unproven.status, 422);
    assert.equal(unproven.body.code, 'domain_verification_failed');
    domains.tokens.set(`newshop.localhost:${domains.port}`, added.body.verification.http.body);
    const proven = await call('POST', `/tenants/acme/domains/newshop.localhost:${domains.port}/verify`, { method: 'http' });
    assert.equal(proven.status, 200, JSON.stringify(proven.body));
    assert.equal(proven.body.status, 'verified');
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob, { audience: origin }));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    assert.equal(minted.body.redeem_uri, `${origin}/impersonate`);
    const removed = await call('DELETE', `/tenants/acme/domains/newshop.localhost:${domains.port}`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const redeemed = await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 400);
    assert.equal(redeemed.body.error, 'invalid_target');
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'audience_unverified');
  });

  it('a pending domain tells an admin who does not cover its tenant no more than a verified one does (coverage first)', async () => {
    const ginaActor = await steppedUpActor(gh, { email: 'gina@gatehouse.test', password: 'gina-demo-pass' });
    const verified = await tokenRequest(gh.issuer, 'support-console', mintFields(ginaActor, bob, { audience: tenantOrigin('acme') }));
    const origin = `http://pending-probe.localhost:${domains.port}`;
    assert.equal((await call('POST', '/tenants/acme/domains', { origin })).status, 201);
    const pending = await tokenRequest(gh.issuer, 'support-console', mintFields(ginaActor, bob, { audience: origin }));
    assert.equal(verified.body.error_description, 'your roles do not cover this tenant');
    assert.deepEqual([pending.status, pending.body], [verified.status, verified.body], 'the same refusal: the domain being pending is no one else\'s business');
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'tenant_not_covered');
    assert.equal((await call('DELETE', `/tenants/acme/domains/pending-probe.localhost:${domains.port}`)).status, 200);
  });

  it("rotating a client's secret: old and new both work during the overlap, the old fails after it; both audited; no secret shown again", async () => {
    const created = await call('POST', '/tenants/acme/clients', { clientId: 'acme-batch', name: 'Acme batch', grantTypes: ['client_credentials'], scope: 'audit:read' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const first = created.body.clientSecret as string;
    assert.match(first, /^[A-Za-z0-9_-]{43}$/);
    SECRETS['acme-batch'] = first;
    const cc = async (secret: string) => {
      SECRETS['acme-batch'] = secret;
      return (await tokenRequest(gh.issuer, 'acme-batch', { grant_type: 'client_credentials', scope: 'audit:read' })).status;
    };
    assert.equal(await cc(first), 200);
    const rotated = await call('POST', '/tenants/acme/clients/acme-batch/rotate-secret', { overlapSeconds: 2 });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const second = rotated.body.clientSecret as string;
    assert.deepEqual([await cc(first), await cc(second)], [200, 200], 'both during the overlap');
    await waitFor('the old secret to be refused after its overlap', async () => (await cc(first)) === 401, 15_000);
    assert.equal(await cc(second), 200);
    const shown = await call('GET', '/tenants/acme/clients/acme-batch');
    assert.ok(!JSON.stringify(shown.body).includes(first) && !JSON.stringify(shown.body).includes(second));
    assert.equal(shown.body.clientSecret, undefined);
    for (const type of ['tenancy.client_created', 'tenancy.client_secret_rotated'] as const) {
      const event = await lastEvent(gh, type);
      assert.deepEqual([event?.client, event?.details?.clientId, event?.details?.via], [OPS.clientId, 'acme-batch', 'manage-api'], type);
    }
    assert.ok(!gh.logs.lines.some((l) => l.includes(first) || l.includes(second)), 'no secret in any log line');
  });

  it("a deleted client's tokens are inactive at introspection, and it authenticates no more", async () => {
    const token = (await tokenRequest(gh.issuer, 'acme-batch', { grant_type: 'client_credentials', scope: 'audit:read' })).body.access_token as string;
    // The support console may introspect any client's token (PROTOCOL §3.5).
    async function introspection(value: string) {
      const res = await fetch(`${gh.issuer}/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`support-console:${SECRETS['support-console']}`).toString('base64')}` },
        body: new URLSearchParams({ token: value }),
      });
      return (await res.json()) as { active: boolean };
    }
    assert.equal((await introspection(token)).active, true);
    const deleted = await call('DELETE', '/tenants/acme/clients/acme-batch');
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal((await introspection(token)).active, false);
    assert.equal((await tokenRequest(gh.issuer, 'acme-batch', { grant_type: 'client_credentials' })).status, 401);
    assert.equal((await call('GET', '/tenants/acme/clients/acme-batch')).status, 404);
  });

  it("downgrading a tenant's consent is tenant.protection_changed in its own log (before, after, who), proven with audit:read, announced by webhook, shown to its approvers", async () => {
    const etag = (await call('GET', '/tenants/wonka')).headers.get('etag')!;
    const downgraded = await call('PATCH', '/tenants/wonka', { consent: 'none' }, { 'if-match': etag });
    assert.equal(downgraded.status, 200, JSON.stringify(downgraded.body));
    const vkey = (await (await fetch(`${gh.issuer}/audit/logs/wonka/vkey`)).text()).trim();
    const read = await waitFor('a checkpoint covering the change', async () => {
      const log = await readAuditLog({ issuer: gh.issuer, clientId: 'wonka-app', clientSecret: SECRETS['wonka-app']!, tenant: 'wonka', verifierKey: vkey }).catch(() => null);
      return log?.events.find((e) => e.type === 'tenant.protection_changed') ? log : null;
    });
    const changed = read.events.find((e) => e.type === 'tenant.protection_changed')!;
    assert.equal(changed.client, OPS.clientId);
    assert.deepEqual([changed.details?.['before.consent'], changed.details?.['after.consent'], changed.details?.by], ['"approval"', '"none"', OPS.clientId]);
    const hook = await waitFor('the webhook', () => receiver.requests.find((r) => r.body.includes('"tenant.protection_changed"') && r.body.includes('"tenant":"wonka"')));
    assert.equal(JSON.parse(hook.body).details['after.consent'], '"none"');
    const approver = await (await (await accountSignIn(gh.issuer, 'wonka', 'violet@wonka.test', 'violet-demo-pass')).fetch(`${gh.issuer}/account`)).text();
    assert.match(approver, /id="protection-changes"[\s\S]*<strong>consent<\/strong>: <code><bdi>&quot;approval&quot;<\/bdi><\/code> → <code><bdi>&quot;none&quot;<\/bdi><\/code>[\s\S]*management client ops/);
    const customer = await (await (await accountSignIn(gh.issuer, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass')).fetch(`${gh.issuer}/account`)).text();
    assert.doesNotMatch(customer, /protection-changes/, 'only the approvers see it');
  });
  it('a role narrowed through the API ends its holders\' sessions there and what they hold, as taking the role away does', async () => {
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const redeemed = await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const role = await call('GET', '/roles/support');
    const narrowed = await call('PUT', '/roles/support', { tenants: ['globex', 'wonka'] }, { 'if-match': role.headers.get('etag')! });
    assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
    assert.ok(narrowed.body.sessionsEnded >= 1);
    const intro = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`acme-app:${SECRETS['acme-app']}`).toString('base64')}` },
      body: new URLSearchParams({ token: redeemed.body.access_token }),
    });
    assert.equal(((await intro.json()) as { active: boolean }).active, false, 'the session on acme ended');
    const again = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob, { audience: tenantOrigin('globex') }));
    assert.equal(again.status, 400, 'the step-up token held before is revoked');
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'actor_token_invalid');
  });
});
