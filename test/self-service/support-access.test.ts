/**
 * Support access on the customer's account page (PROTOCOL §5 consent, §7 /account), over
 * HTTP against a real Gatehouse on a real redis-server and the demo tenant app (RP kit with
 * recheckSeconds 1): access codes (shown once, single use, never logged), the opt-in
 * setting, and the user ending a support session that the tenant app then drops.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTenantApp, type TenantApp, tenantsFromConfig } from '../../examples/tenant-app/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { type TestGatehouse, tenantsOn } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { freePort } from '../helpers/ports.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { routeSubdomainsToLoopback } from '../examples/subdomain-fetch.js';
import { basic, lastEvent, mintFields, startExchangeGatehouse, T, tokenRequest, userId } from '../exchange/setup.js';

const REASON = 'Ticket #5150: invoices do not load';

describe('support access on /account (real Gatehouse, real Redis, demo tenant app)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let app: TenantApp;
  let restoreFetch: () => void;
  let issuer: string;
  let acme: string;
  let globex: string;
  let initech: string;
  let actorToken: string;
  const appLogs: string[] = [];
  const codes: string[] = [];

  /** Signs a user in on /account with a password; returns the agent and the page. */
  async function accountSignIn(tenant: string, email: string, password: string) {
    const agent = new HttpAgent();
    const signin = await (await agent.fetch(`${issuer}/account`)).text();
    const res = await agent.postForm(`${issuer}/account/login`, { csrf: formFields(signin).csrf ?? '', tenant, email, password });
    assert.equal(res.status, 303, `sign-in of ${email}`);
    return { agent, html: await accountPage(agent) };
  }
  const accountPage = async (agent: HttpAgent, path = '/account') => (await agent.fetch(`${issuer}${path}`)).text();
  /** Introspection as the tenant's client (RFC 7662). */
  const active = async (token: string) => {
    const res = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic('acme-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    return ((await res.json()) as { active: boolean }).active;
  };
  const csrfOf = (html: string) => formFields(html).csrf ?? '';
  const mint = (subject: string, audience: string, type = T.userId) =>
    tokenRequest(issuer, 'support-console', mintFields(actorToken, subject, { audience, subject_token_type: type, reason: REASON }));

  before(async () => {
    restoreFetch = routeSubdomainsToLoopback();
    const port = await freePort();
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        // The tenant origins move to the port the tenant app under test listens on.
        const moved = <T>(value: T) => tenantsOn(value, port);
        raw.tenants = moved(raw.tenants);
        raw.clients = moved(raw.clients);
      },
    });
    issuer = gh.issuer;
    [acme, globex, initech] = ['acme', 'globex', 'initech'].map((t) => `http://${t}.localhost:${port}`) as [string, string, string];
    const record = (level: string) => (obj: object, msg: string) => void appLogs.push(JSON.stringify({ level, msg, ...obj }));
    app = await startTenantApp({
      issuer,
      port,
      host: '127.0.0.1',
      tenants: tenantsFromConfig(gh.config.declared),
      consoleUrl: `${issuer}/admin`,
      cookieKeys: ['support-access-test-key'],
      recheckSeconds: 1,
      logger: { info: record('info'), warn: record('warn'), error: record('error') },
    });
    const key = new SoftwareAuthenticator();
    const { agent } = await signInConsole(issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key, 'laptop');
    ({ accessToken: actorToken } = await stepUp(issuer, agent, key));
  });
  after(async () => {
    await app?.close();
    await gh?.stop();
    await redis?.stop();
    restoreFetch?.();
  });

  it("access-code tenant: no ticket without a code; a code from /account works once", async () => {
    const dave = await userId(gh, 'globex', 'dave@globex.test');
    const refused = await mint(dave, globex);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_request');
    assert.equal(refused.body.error_description, 'this tenant requires a support access code from the user');

    const { agent, html } = await accountSignIn('globex', 'dave@globex.test', 'dave-demo-pass');
    assert.match(html, /only with a <strong>support access code<\/strong>/);
    assert.match(html, /id="create-code"/);
    assert.doesNotMatch(html, /id="consent-form"/, 'no opt-in setting at an access-code tenant');

    const forged = await agent.postForm(`${issuer}/account/support-access/code`, {});
    assert.equal(forged.status, 403, 'no CSRF token, no code');

    const created = await agent.postForm(`${issuer}/account/support-access/code`, { csrf: csrfOf(html) });
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const page = await created.text();
    const code = /<p class="code" id="access-code">([^<]+)<\/p>/.exec(page)?.[1];
    assert.match(code ?? '', /^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
    codes.push(code!);
    const expiry = /id="code-expiry">([^<]+)</.exec(page)?.[1] ?? '';
    const expiresAt = Date.parse(expiry.replace(' UTC', 'Z').replace(' ', 'T'));
    assert.ok(Math.abs(expiresAt - (Date.now() + gh.config.policy.accessCodeTtl * 1000)) < 120_000, `expiry shown: ${expiry}`);
    assert.match(page, /shown <strong>only once<\/strong>/);

    const event = await lastEvent(gh, 'support_access.code_created');
    assert.equal(event?.user, dave);
    assert.equal(event?.tenant, 'globex');
    assert.doesNotMatch(JSON.stringify(event), new RegExp(code!.replace('-', '-?')), 'the audit event does not hold the code');
    assert.doesNotMatch(await accountPage(agent), new RegExp(code!), 'the account page never shows it again');

    const first = await mint(code!, globex, T.accessCode);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.redeem_uri, `${globex}/impersonate`);
    const second = await mint(code!, globex, T.accessCode);
    assert.equal(second.status, 400, 'single use');
    assert.equal(second.body.error_description, 'the support access code is invalid or expired');
  });

  it('opt-in tenant: the setting on /account decides whether support may mint', async () => {
    const ivy = await userId(gh, 'initech', 'ivy@initech.test');
    const { agent, html } = await accountSignIn('initech', 'ivy@initech.test', 'ivy-demo-pass');
    assert.match(html, /Support staff <strong>may not<\/strong> sign in/);
    assert.equal((await mint(ivy, initech)).body.error_description, 'the user has not allowed support access');

    const forged = await agent.postForm(`${issuer}/account/support-access/consent`, { consent: 'granted' });
    assert.equal(forged.status, 403);
    assert.equal((await mint(ivy, initech)).status, 400, 'a forged opt-in changes nothing');

    const granted = await agent.postForm(`${issuer}/account/support-access/consent`, { csrf: csrfOf(html), consent: 'granted' });
    assert.equal(granted.status, 303);
    assert.equal(granted.headers.get('location'), '/account?done=consent-granted');
    const after = await accountPage(agent, '/account?done=consent-granted');
    assert.match(after, /Support staff <strong>may<\/strong> sign in/);
    assert.match(after, /id="notice">Support staff may now sign in/);
    const changed = await lastEvent(gh, 'support_access.consent_changed');
    assert.deepEqual([changed?.user, changed?.tenant, changed?.details?.consent], [ivy, 'initech', 'granted']);
    assert.equal((await mint(ivy, initech)).status, 200);

    await agent.postForm(`${issuer}/account/support-access/consent`, { csrf: csrfOf(after), consent: 'denied' });
    assert.equal((await lastEvent(gh, 'support_access.consent_changed'))?.details?.consent, 'denied');
    assert.equal((await mint(ivy, initech)).body.error_description, 'the user has not allowed support access');
    // A code still works for an opted-out user: it is consent for one session.
    const codePage = await (await agent.postForm(`${issuer}/account/support-access/code`, { csrf: csrfOf(after) })).text();
    const code = /id="access-code">([^<]+)</.exec(codePage)![1]!;
    codes.push(code);
    assert.equal((await mint(code.toLowerCase().replace('-', ' '), initech, T.accessCode)).status, 200, 'typed back loosely');

    const bob = await accountSignIn('acme', 'bob@acme.test', 'bob-demo-pass');
    assert.doesNotMatch(bob.html, /id="consent-form"|id="create-code"/, 'acme asks for no consent');
    const notHere = await bob.agent.postForm(`${issuer}/account/support-access/consent`, { csrf: csrfOf(bob.html), consent: 'granted' });
    assert.equal(notHere.status, 400);
  });

  it('the user ends an active session from /account; the tenant app drops it within recheckSeconds', async () => {
    const bob = await userId(gh, 'acme', 'bob@acme.test');
    const minted = await mint(bob, acme);
    assert.equal(minted.status, 200);
    // The admin's browser posts the ticket to the tenant app, which redeems it.
    const admin = new HttpAgent();
    const redeemed = await admin.postForm(minted.body.redeem_uri, { ticket: minted.body.access_token });
    assert.equal(redeemed.status, 303);
    const home = await (await admin.fetch(`${acme}/`)).text();
    assert.match(home, /impersonated by/);
    // The impersonation token the kit keeps in its cookie (to ask introspection about it later).
    const impersonationToken = /(?:^|; )gh_imp=([^;]+)/.exec(admin.cookieHeader())?.[1] ?? '';
    assert.match(impersonationToken, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(await active(impersonationToken), true);

    const { agent, html } = await accountSignIn('acme', 'bob@acme.test', 'bob-demo-pass');
    const row = /<table id="active-sessions">[\s\S]*?<tr data-sid="(imp_[^"]+)">([\s\S]*?)<\/tr>/.exec(html);
    assert.ok(row, 'listed as active');
    const [, sid, cells] = row as unknown as [string, string, string];
    assert.match(cells, /Alice Admin/);
    assert.match(cells, new RegExp(REASON));
    assert.match(cells, /30 min <span class="muted small">\(until /);
    assert.match(cells, /End now/);

    const dave = await accountSignIn('globex', 'dave@globex.test', 'dave-demo-pass');
    const notHis = await dave.agent.postForm(`${issuer}/account/support-access/sessions/${sid}/end`, { csrf: csrfOf(dave.html) });
    assert.equal(notHis.status, 404, "another user cannot end bob's session");
    const forged = await agent.postForm(`${issuer}/account/support-access/sessions/${sid}/end`, {});
    assert.equal(forged.status, 403);
    assert.match(await (await admin.fetch(`${acme}/`)).text(), /impersonated by/, 'still on');

    const ended = await agent.postForm(`${issuer}/account/support-access/sessions/${sid}/end`, { csrf: csrfOf(html) });
    assert.equal(ended.status, 303);
    assert.equal(ended.headers.get('location'), '/account?done=ended');
    const after = await accountPage(agent, '/account?done=ended');
    assert.match(after, /The support session was ended/);
    assert.match(after, new RegExp(`<table id="past-sessions">[\\s\\S]*?data-sid="${sid}">[\\s\\S]*?Ended by you`));
    assert.match(after, /id="no-active"/);

    const event = await lastEvent(gh, 'impersonation.ended');
    assert.deepEqual([event?.sid, event?.code, event?.details?.endedBy], [sid, 'ended_by_user', bob]);
    assert.equal(await active(impersonationToken), false, 'introspection says so at once');

    // The kit re-checks at most every second (recheckSeconds 1): the banner is gone after it.
    await sleep(1100);
    const later = await (await admin.fetch(`${acme}/`)).text();
    assert.doesNotMatch(later, /impersonated by/);
    assert.ok(appLogs.some((l) => l.includes('"msg":"impersonation ended"') && l.includes(sid)), 'the app noticed the end');
  });

  it('never logs a support access code', () => {
    assert.ok(codes.length >= 2);
    const logs = `${gh.logs.text()}\n${appLogs.join('\n')}`;
    assert.ok(logs.length > 1000, 'there are logs to look at');
    for (const code of codes) {
      const bare = code.replace('-', '');
      assert.ok(!logs.includes(code) && !logs.includes(bare) && !logs.toLowerCase().includes(bare.toLowerCase()), `code ${code.slice(0, 2)}… in logs`);
    }
  });
});
