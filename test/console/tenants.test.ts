/**
 * The console's tenant pages (`/admin/tenants`, PROTOCOL §11) over HTTP, on a real
 * Gatehouse and a real redis-server: attacked first — an admin without `manageTenants` gets
 * 403 on every page and POST and changes nothing; a stale step-up, a wrong CSRF token or
 * another revision changes nothing either — then the onboarding they exist for: a tenant
 * created, its domain proven over HTTP on a `*.localhost` server, its app created (the
 * secret shown once, on a no-store page), rotated, changed, deleted; refusals shown on the
 * form with what was typed; a protection change in the tenant's own log, by the admin;
 * malformed forms (fuzzed) answered with a page that says why, never a 5xx.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole } from '../helpers/console.js';
import { consoleSession, followThrough, formData, type Landed, pageCsrf, submit } from '../helpers/console-pages.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { tenantOrigin } from '../helpers/ports.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { SECRETS, startExchangeGatehouse, tokenRequest } from '../exchange/setup.js';
import { startDomainServer } from '../tenancy/setup.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
const GINA = { email: 'gina@gatehouse.test', password: 'gina-demo-pass' };
/** Manages tenants, impersonates nobody: her roles cover no tenant's log. */
const TESS = { email: 'tess@gatehouse.test', password: 'tess-demo-pass' };
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** Every change the pages make, with fields that would change acme if nothing refused them. */
const CHANGES: [string, Record<string, string>][] = [
  ['/admin/tenants', { id: 'evil', name: 'Evil', consent: 'none' }],
  ['/admin/tenants/acme', { rev: '1', name: 'Acme', consent: 'approval', maxSeconds: '3600', defaultSeconds: '1800', scopes: 'openid', onReplay: 'audit', ticketDelivery: 'query', redeemPath: '/x', showAdminAs: 'team', supportTeamLabel: 'x' }],
  ['/admin/tenants/acme/disable', { rev: '1' }],
  ['/admin/tenants/globex/enable', { rev: '1' }],
  ['/admin/tenants/acme/domains', { origin: tenantOrigin('evil') }],
  ['/admin/tenants/acme/domains/verify', { host: new URL(tenantOrigin('evil')).host, method: 'http' }],
  ['/admin/tenants/acme/domains/remove', { host: new URL(tenantOrigin('acme')).host, rev: '1' }],
  ['/admin/tenants/acme/clients', { clientId: 'evil-app', grantTypes: 'client_credentials' }],
  ['/admin/tenants/acme/clients/acme-app', { rev: '1', scope: 'openid', grantTypes: 'client_credentials' }],
  ['/admin/tenants/acme/clients/acme-app/rotate-secret', { rev: '1', overlapSeconds: '0' }],
  ['/admin/tenants/acme/clients/acme-app/delete', { rev: '1' }],
];

describe('tenant pages of the console (/admin/tenants) over HTTP, real Redis', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let issuer: string;
  let alice: HttpAgent;
  let gina: HttpAgent;
  let aliceId: string;
  let domains: Awaited<ReturnType<typeof startDomainServer>>;
  const aliceKey = new SoftwareAuthenticator();
  const ginaKey = new SoftwareAuthenticator();

  const get = async (agent: HttpAgent, path: string): Promise<Landed> => {
    const res = await agent.fetch(`${issuer}${path}`);
    return { url: new URL(`${issuer}${path}`), status: res.status, html: await res.text(), headers: res.headers };
  };
  const tenant = async (id: string) => (await gh.gatehouse.services.tenancy.refresh()).records.tenants.get(id);
  const client = async (id: string) => (await gh.gatehouse.services.tenancy.refresh()).records.clients.get(id);
  /** Fills in a form of a page and posts it, answering a step-up with the admin's passkey. */
  const post = async (agent: HttpAgent, page: Landed, opening: string, change: (form: ReturnType<typeof formData>) => void = () => {}, key = aliceKey) => {
    const form = formData(page.html, opening);
    change(form);
    return submit(agent, new URL(form.action, issuer).href, form.fields, key);
  };
  /** Makes the agent's console session's passkey confirmation older than stepUpMaxAge. */
  const staleStepUp = async (agent: HttpAgent) => {
    const session = await consoleSession(gh, agent);
    const data = await session.read();
    await session.write({ ...data, authTime: Math.floor(Date.now() / 1000) - 3600 });
  };
  const configVersion = async () => (await gh.gatehouse.services.tenancy.refresh()).version;
  const protectionChanges = async (tenantId: string) => (await gh.gatehouse.services.audit.list({ type: 'tenant.protection_changed', logs: [tenantId] }, { limit: 50 })).events;

  before(async () => {
    redis = await startRedisServer();
    domains = await startDomainServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.roles.push({ name: 'tenant-admin', manageTenants: true });
        raw.seed.admins.find((a: { email: string }) => a.email === ALICE.email).roles.push('tenant-admin');
        raw.seed.admins.push({ ...TESS, name: 'Tess Tenants', roles: ['tenant-admin'] });
      },
    });
    issuer = gh.issuer;
    await enrollAdmin(gh, ALICE, aliceKey, 'laptop');
    await enrollAdmin(gh, GINA, ginaKey, 'laptop');
    ({ agent: alice } = await signInConsole(issuer, ALICE));
    ({ agent: gina } = await signInConsole(issuer, GINA));
    aliceId = (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id;
    // Both freshly stepped up: what refuses gina below is her roles, not her passkey.
    for (const [agent, key] of [[alice, aliceKey], [gina, ginaKey]] as const) {
      const home = await followThrough(agent, `${issuer}/admin/stepup`, key);
      assert.match(home.html, /data-fresh="yes"/);
    }
  });
  after(async () => {
    await gh?.stop();
    await domains?.close();
    await redis?.stop();
  });

  it('links to the tenant pages only for an admin whose roles may manage tenants', async () => {
    assert.match((await get(alice, '/admin')).html, /<a href="\/admin\/tenants">Tenants<\/a>/);
    assert.doesNotMatch((await get(gina, '/admin')).html, /href="\/admin\/tenants"/);
    assert.doesNotMatch((await get(gina, '/admin/users?tenant=globex')).html, /href="\/admin\/tenants"/);
  });

  it('an admin without manageTenants gets 403 on every page and every change, with a fresh or a stale step-up, and nothing changes', async () => {
    const version = await configVersion();
    for (const path of ['/admin/tenants', '/admin/tenants?after=acme', '/admin/tenants/acme', '/admin/tenants/nope']) {
      const res = await get(gina, path);
      assert.equal(res.status, 403, path);
      assert.doesNotMatch(res.html, /policy-form|acme\.localhost/, path);
    }
    const csrf = await pageCsrf(gina, `${issuer}/admin`);
    for (const stale of [false, true]) {
      if (stale) await staleStepUp(gina);
      for (const [path, fields] of CHANGES) {
        const res = await gina.postForm(`${issuer}${path}`, { csrf, ...fields });
        assert.equal(res.status, 403, `${path} (${stale ? 'stale' : 'fresh'} step-up)`);
        assert.match(await res.text(), /Your roles do not let you manage tenants/, path);
      }
    }
    assert.equal(await configVersion(), version, 'nothing was written');
    assert.equal((await tokenRequest(issuer, 'acme-app', { grant_type: 'client_credentials', scope: 'audit:read' })).status, 200, "acme-app's secret still works");
  });

  it('a wrong or missing CSRF token changes nothing (403)', async () => {
    const version = await configVersion();
    for (const csrf of [undefined, 'x'.repeat(43)]) {
      for (const [path, fields] of CHANGES) {
        const res = await alice.postForm(`${issuer}${path}`, { ...(csrf ? { csrf } : {}), ...fields });
        assert.equal(res.status, 403, path);
        assert.match(await res.text(), /Your session expired/, path);
      }
    }
    assert.equal(await configVersion(), version, 'nothing was written');
  });

  it('with a stale step-up every change waits for the passkey and changes nothing before it', async () => {
    const version = await configVersion();
    const csrf = await pageCsrf(alice, `${issuer}/admin`);
    await staleStepUp(alice);
    for (const [path, fields] of CHANGES) {
      const res = await alice.postForm(`${issuer}${path}`, { csrf, ...fields });
      assert.equal(res.status, 303, path);
      assert.equal(res.headers.get('location'), '/admin/stepup', path);
      const kept = (await (await consoleSession(gh, alice)).read()).action as { path: string } | undefined;
      assert.equal(kept?.path, path, 'the form waits in the console session');
    }
    assert.equal(await configVersion(), version, 'nothing was written');
    // Not resumed: the last one would delete acme-app after the next step-up.
    const session = await consoleSession(gh, alice);
    const { action: _dropped, ...rest } = await session.read();
    await session.write(rest);
  });

  it('a change made on another revision than the current one is refused (412) and changes nothing', async () => {
    await followThrough(alice, `${issuer}/admin/stepup`, aliceKey);
    const version = await configVersion();
    const csrf = await pageCsrf(alice, `${issuer}/admin`);
    for (const [path, fields] of CHANGES.filter(([, f]) => 'rev' in f)) {
      const res = await alice.postForm(`${issuer}${path}`, { csrf, ...fields, rev: '0' });
      assert.equal(res.status, 412, path);
      assert.match(await res.text(), /data-code="precondition_failed"/, path);
    }
    assert.equal(await configVersion(), version, 'nothing was written');
  });

  it('a change that waited for the step-up is done after it', async () => {
    await staleStepUp(alice);
    const page = await get(alice, '/admin/tenants/globex');
    const before = await tenant('globex');
    const form = formData(page.html, 'id="policy-form"').set('requireSecondAdmin', 'on');
    const posted = await alice.postForm(new URL(form.action, issuer), form.fields);
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), '/admin/stepup');
    assert.deepEqual(await tenant('globex'), before, 'nothing changed yet');
    const kept = (await (await consoleSession(gh, alice)).read()).action as { path: string } | undefined;
    assert.equal(kept?.path, '/admin/tenants/globex');

    const done = await followThrough(alice, `${issuer}/admin/stepup`, aliceKey);
    assert.equal(done.status, 200);
    assert.equal(`${done.url.pathname}${done.url.search}`, '/admin/tenants/globex?done=saved');
    assert.equal((await tenant('globex'))!.record.requireSecondAdmin, true);
    assert.match(formData(done.html, 'id="policy-form"').fields.map(([n]) => n).join(' '), /requireSecondAdmin/, 'the form shows it ticked');
  });

  it('another revision: of two admins editing at once, the second is told to reload and overwrites nothing', async () => {
    const first = await get(alice, '/admin/tenants/acme');
    const second = await get(alice, '/admin/tenants/acme');
    const saved = await post(alice, first, 'id="policy-form"', (f) => f.set('approvers', 'it@acme.test'));
    assert.equal(saved.status, 200, saved.html);
    assert.match(saved.html, /The policy was saved/);

    const refused = await post(alice, second, 'id="policy-form"', (f) => f.set('consent', 'access-code').set('supportTeamLabel', 'Helpdesk'));
    assert.equal(refused.status, 412);
    assert.match(refused.html, /id="refusal" data-code="precondition_failed"/);
    assert.match(refused.html, /Someone else changed this meanwhile, so nothing was saved\. Reload the page/);
    assert.match(refused.html, /<a href="\/admin\/tenants\/acme" id="reload">Reload<\/a>/);
    const kept = formData(refused.html, 'id="policy-form"');
    assert.equal(kept.get('supportTeamLabel'), 'Helpdesk', 'what was typed is kept');
    assert.equal(kept.get('consent'), 'access-code');
    assert.equal(kept.get('rev'), formData(second.html, 'id="policy-form"').get('rev'), 'with the revision it was read at: saving again is refused again');
    const now = (await tenant('acme'))!.record;
    assert.deepEqual([now.consent, now.approvers, now.supportTeamLabel], ['none', ['it@acme.test'], 'support']);

    // The same for an app: one changed by someone else since the page was read is not deleted.
    const page = await get(alice, '/admin/tenants/acme');
    const current = (await client('acme-app'))!;
    await gh.gatehouse.services.tenancy.updateClient({ kind: 'cli' }, 'acme-app', { name: 'Acme app (renamed)' }, current.rev);
    const res = await post(alice, page, 'action="/admin/tenants/acme/clients/acme-app/delete"');
    assert.equal(res.status, 412);
    assert.match(res.html, /data-code="precondition_failed"/);
    assert.equal((await client('acme-app'))!.record.deletedAt, undefined, 'acme-app still exists');
  });

  it("a refusal is shown on the form with what was typed; a protection change is in the tenant's own log, by the admin", async () => {
    const page = await get(alice, '/admin/tenants/wonka');
    const invalid = await post(alice, page, 'id="policy-form"', (f) => f.set('maxSeconds', 'an hour').set('name', 'Wonka Renamed'));
    assert.equal(invalid.status, 400);
    assert.match(invalid.html, /data-code="body_invalid"/);
    assert.match(invalid.html, /<strong>Longest session<\/strong>/);
    assert.equal(formData(invalid.html, 'id="policy-form"').get('maxSeconds'), 'an hour');
    assert.equal(formData(invalid.html, 'id="policy-form"').get('name'), 'Wonka Renamed');
    assert.equal((await tenant('wonka'))!.record.name, 'Wonka Industries');
    // About a domain that is not (or no longer) on the page: shown at its top.
    const csrf = formData(page.html, 'id="policy-form"').get('csrf')!;
    const gone = await submit(alice, `${issuer}/admin/tenants/wonka/domains/verify`, { csrf, host: new URL(tenantOrigin('gone')).host, method: 'http' }, aliceKey);
    assert.equal(gone.status, 404);
    assert.match(gone.html, /id="refusal" data-code="not_found"><p><bdi>tenant &quot;wonka&quot; has no domain gone\.localhost:\d+<\/bdi>/);

    // A downgrade: approval to none.
    const downgraded = await post(alice, page, 'id="policy-form"', (f) => f.set('consent', 'none'));
    assert.match(downgraded.html, /The policy was saved/);
    const [event] = await protectionChanges('wonka');
    assert.equal(event?.tenant, 'wonka');
    assert.equal(event?.admin, aliceId);
    assert.equal(event?.details?.by, aliceId);
    assert.equal(event?.details?.via, 'console');
    assert.equal(event?.details?.changed, 'consent');
    assert.equal(event?.details?.['before.consent'], '"approval"');
    assert.equal(event?.details?.['after.consent'], '"none"');
    // The page links to it for an admin who may read the tenant's log, and that page lists it.
    const link = /<a href="([^"]+)" id="protection-log">/.exec(downgraded.html)?.[1]?.replace(/&amp;/g, '&');
    assert.equal(link, '/admin/audit?tenant=wonka&type=tenant.protection_changed');
    assert.match((await get(alice, link)).html, new RegExp(`data-event="${event?.id}" data-type="tenant.protection_changed"`));
    const { agent: tess } = await signInConsole(issuer, TESS);
    const tessPage = await get(tess, '/admin/tenants/wonka');
    assert.equal(tessPage.status, 200, 'tess manages tenants');
    assert.doesNotMatch(tessPage.html, /id="protection-log"/, 'but reads no tenant log: no link to a 403');
  });

  let secret: string;

  it('onboards a customer: tenant, domain proven over HTTP, app with its secret shown once', async () => {
    const list = await get(alice, '/admin/tenants');
    assert.equal(list.status, 200);
    const created = await post(alice, list, 'id="new-tenant"', (f) => f.set('id', 'initrode').set('name', 'Initrode').set('consent', 'approval'));
    assert.equal(`${created.url.pathname}${created.url.search}`, '/admin/tenants/initrode?done=created');
    assert.equal((await tenant('initrode'))!.record.consent, 'approval');
    const taken = await post(alice, list, 'id="new-tenant"', (f) => f.set('id', 'initrode').set('name', 'Again'));
    assert.equal(taken.status, 409);
    assert.match(taken.html, /data-code="tenant_exists"/);
    assert.equal(formData(taken.html, 'id="new-tenant"').get('name'), 'Again');

    // The domain: pending, with the token and both ways to prove it.
    const host = `initrode.localhost:${domains.port}`;
    const origin = `http://${host}`;
    const added = await post(alice, created, 'id="add-domain"', (f) => f.set('origin', origin));
    assert.equal(added.url.pathname, '/admin/tenants/initrode');
    const block = new RegExp(`<div class="domain" id="domain-initrode\\.localhost-${domains.port}" data-domain="${host}" data-status="pending">[\\s\\S]*?</div>`).exec(added.html)?.[0] ?? '';
    const token = /<code class="proof-token">([^<]+)<\/code>/.exec(block)?.[1];
    assert.ok(token, added.html);
    assert.match(block, new RegExp(`<code class="proof-url">${origin}/\\.well-known/gatehouse-domain-verification</code>`));
    assert.match(block, /<code class="proof-dns-name">_gatehouse\.initrode\.localhost<\/code>/);
    assert.match(block, new RegExp(`<code class="proof-dns-value">gatehouse-domain-verification=${token}</code>`));

    // Not served yet: refused in words, on that domain.
    const unproven = await post(alice, added, 'action="/admin/tenants/initrode/domains/verify"');
    assert.equal(unproven.status, 422);
    assert.match(unproven.html, /data-code="domain_verification_failed"/);
    assert.match(unproven.html, /answered 404/);
    domains.tokens.set(host, token);
    const proven = await post(alice, unproven, 'action="/admin/tenants/initrode/domains/verify"');
    assert.match(proven.html, /The domain is verified/);
    assert.match(proven.html, new RegExp(`data-domain="${host}" data-status="verified"`));

    // An app: its URIs on the verified domain; its secret on a no-store page, once.
    const app = await post(alice, proven, 'id="new-client"', (f) =>
      f.set('clientId', 'initrode-app').set('redirectUris', `${origin}/callback`).set('grantTypes', 'authorization_code', EXCHANGE, 'client_credentials').set('scope', 'openid audit:read'),
    );
    assert.equal(app.status, 200, app.html);
    assert.equal(app.headers.get('cache-control'), 'no-store');
    assert.equal(app.headers.get('referrer-policy'), 'no-referrer');
    secret = /id="client-secret" readonly value="([^"]+)"/.exec(app.html)?.[1] ?? '';
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    SECRETS['initrode-app'] = secret;
    assert.equal((await tokenRequest(issuer, 'initrode-app', { grant_type: 'client_credentials', scope: 'audit:read' })).status, 200);
    const tenantPage = await get(alice, '/admin/tenants/initrode');
    assert.ok(!tenantPage.html.includes(secret), 'the secret is shown once only');
    assert.ok(!gh.logs.text().includes(secret), 'and never logged');
    const [event] = await protectionChanges('initrode');
    assert.equal(event?.details?.changed, 'redeemingClients', 'an app that may redeem is a protection change');
  });

  it("changes an app's URIs (refused off the verified domains, with what was typed), rotates its secret with the overlap chosen, deletes it", async () => {
    const page = await get(alice, '/admin/tenants/initrode');
    const form = 'action="/admin/tenants/initrode/clients/initrode-app"';
    const off = await post(alice, page, form, (f) => f.set('redirectUris', 'https://elsewhere.example/callback'));
    assert.equal(off.status, 400);
    assert.match(off.html, /data-code="uri_not_on_verified_domain"/);
    assert.match(off.html, /<details open>/);
    assert.equal(formData(off.html, form).get('redirectUris'), 'https://elsewhere.example/callback');
    const host = `initrode.localhost:${domains.port}`;
    const saved = await post(alice, page, form, (f) => f.set('redirectUris', `http://${host}/callback\nhttp://${host}/other`).set('name', 'Initrode app'));
    assert.match(saved.html, /The app&#39;s settings were saved/);
    assert.deepEqual((await client('initrode-app'))!.record.redirectUris, [`http://${host}/callback`, `http://${host}/other`]);

    const rotated = await post(alice, saved, 'action="/admin/tenants/initrode/clients/initrode-app/rotate-secret"', (f) => f.set('overlapSeconds', '0'));
    assert.equal(rotated.headers.get('cache-control'), 'no-store');
    assert.match(rotated.html, /The previous secret is refused from now on/);
    const fresh = /id="client-secret" readonly value="([^"]+)"/.exec(rotated.html)?.[1] ?? '';
    assert.match(fresh, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(fresh, secret);
    assert.equal((await tokenRequest(issuer, 'initrode-app', { grant_type: 'client_credentials', scope: 'audit:read' })).status, 401, 'the old secret, refused at once');
    SECRETS['initrode-app'] = fresh;
    assert.equal((await tokenRequest(issuer, 'initrode-app', { grant_type: 'client_credentials', scope: 'audit:read' })).status, 200);
    const audited = await gh.gatehouse.services.audit.list({ type: 'tenancy.client_secret_rotated' }, { limit: 1 });
    assert.equal(audited.events[0]?.details?.overlapSeconds, 0);
    assert.equal(audited.events[0]?.details?.by, aliceId);

    const deleted = await post(alice, await get(alice, '/admin/tenants/initrode'), 'action="/admin/tenants/initrode/clients/initrode-app/delete"');
    assert.match(deleted.html, /The app was deleted/);
    assert.equal(await gh.gatehouse.services.tenancy.view().client('initrode-app'), undefined);
  });

  it('removes the domain, disables and enables the tenant', async () => {
    const removed = await post(alice, await get(alice, '/admin/tenants/initrode'), 'action="/admin/tenants/initrode/domains/remove"');
    assert.match(removed.html, /The domain was removed/);
    assert.match(removed.html, /id="no-domains"/);
    const disabled = await post(alice, removed, 'id="status-form"');
    assert.match(disabled.html, /The tenant was disabled/);
    assert.equal((await tenant('initrode'))!.record.disabled, true);
    assert.match((await get(alice, '/admin/tenants')).html, /<tr data-tenant="initrode" class="ended">/);
    const enabled = await post(alice, disabled, 'id="status-form"');
    assert.match(enabled.html, /The tenant was enabled again/);
    assert.equal((await tenant('initrode'))!.record.disabled, false);
  });

  it('lists tenants 20 at a time', async () => {
    const { tenancy } = gh.gatehouse.services;
    for (let i = 0; i < 20; i++) await tenancy.createTenant({ kind: 'cli' }, { id: `paged-${String(i).padStart(2, '0')}`, name: `Paged ${i}` });
    const first = await get(alice, '/admin/tenants');
    const ids = (html: string) => [...html.matchAll(/<tr data-tenant="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(ids(first.html).length, 20);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next);
    const second = await get(alice, next);
    assert.ok(ids(second.html).length > 0 && ids(second.html).every((id) => !ids(first.html).includes(id)), 'pages do not overlap');
    assert.match(second.html, /rel="first"/);
    assert.equal(ids(first.html).length + ids(second.html).length, (await tenancy.refresh()).records.tenants.size);
  });

  it('malformed forms to every change get a page that says why, never a 5xx (fuzzed, fresh step-up, right CSRF)', async () => {
    const { tenancy } = gh.gatehouse.services;
    await tenancy.createTenant({ kind: 'cli' }, { id: 'fuzzco', name: 'Fuzz Co' });
    await tenancy.createClient({ kind: 'cli' }, { clientId: 'fuzzco-app', role: 'tenant', tenant: 'fuzzco', grantTypes: ['client_credentials'], scope: 'audit:read' });
    await followThrough(alice, `${issuer}/admin/stepup`, aliceKey);
    const csrf = await pageCsrf(alice, `${issuer}/admin`);
    const paths = ['', '/fuzzco', '/fuzzco/disable', '/fuzzco/enable', '/fuzzco/domains', '/fuzzco/domains/verify', '/fuzzco/domains/remove', '/fuzzco/clients', '/fuzzco/clients/fuzzco-app', '/fuzzco/clients/fuzzco-app/rotate-secret', '/fuzzco/clients/fuzzco-app/delete', '/fuzzco/clients/nobody', '/nobody'];
    const names = ['rev', 'id', 'name', 'consent', 'approvers', 'requireSecondAdmin', 'maxSeconds', 'defaultSeconds', 'scopes', 'onReplay', 'ticketDelivery', 'redeemPath', 'showAdminAs', 'supportTeamLabel', 'origin', 'host', 'method', 'clientId', 'redirectUris', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'grantTypes', 'scope', 'overlapSeconds', '__proto__'];
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('', '0', '-1', '1e309', '99999999999999999999', 'on', 'none', 'approval', 'http', 'dns', `http://fuzz.localhost:${domains.port}`, `fuzz.localhost:${domains.port}`, 'https://x.example/cb', 'javascript:alert(1)', 'client_credentials', '\u202e', '<script>', 'a'.repeat(3999), 'a'.repeat(5000)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 12 }), fc.boolean(), async (path, fields, current) => {
        // Half of them on the current revision, so they get past it to the checks behind it.
        const records = gh.gatehouse.services.tenancy.view().records;
        const rev = (path.includes('/clients/') ? records.clients.get('fuzzco-app') : records.tenants.get('fuzzco'))?.rev;
        const revision: [string, string][] = current && rev !== undefined ? [['rev', String(rev)]] : [];
        const res = await alice.postForm(`${issuer}/admin/tenants${path}`, [['csrf', csrf], ...revision, ...fields.filter(([n]) => !(current && n === 'rev'))]);
        const html = await res.text();
        assert.ok(res.status < 500, `${res.status} for ${path} ${JSON.stringify(fields).slice(0, 300)}`);
        if (res.status >= 400) assert.match(html, /id="refusal"|class="error"/, `${res.status} says why`);
      }),
      { numRuns: 250, seed: 15 },
    );
  });
});
