/**
 * The support console's pages over HTTP (PROTOCOL §7 /admin), against a real Gatehouse on a
 * real redis-server: user search with paging, starting an impersonation (step-up first, then
 * the auto-submitting ticket form), refusals in words, the sessions list with End, the audit
 * log with filters and paging, dead-lettered notifications with Retry, and CSRF on every form.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNotifier, type Notifier } from '../../src/delivery/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { answerPasskeyPage, signInConsole } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { consoleSession, followThrough, pageCsrf, submit, ticketForm } from '../helpers/console-pages.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ACME, GLOBEX, basic, lastEvent, redeemFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import { fileRequest } from '../approvals/setup.js';
import { devTokenRoutes } from '../../src/console/dev-token.js';
import { consoleSessions } from '../../src/console/session.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { tenantOrigin } from '../helpers/ports.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
const GINA = { email: 'gina@gatehouse.test', password: 'gina-demo-pass' };
const HOOLI = [tenantOrigin('hooli'), tenantOrigin('app.hooli')];
const REASON = 'Ticket #4711: customer cannot see invoices';

describe('support console (/admin) over HTTP', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let issuer: string;
  let alice: HttpAgent;
  const key = new SoftwareAuthenticator();
  let bob: string;

  const get = async (agent: HttpAgent, path: string) => {
    const res = await agent.fetch(`${issuer}${path}`);
    return { status: res.status, html: await res.text(), headers: res.headers, location: res.headers.get('location') };
  };
  /** Fills in the impersonation form for `user` and follows it to the page it ends on. */
  const impersonate = async (agent: HttpAgent, fields: Record<string, string>) => {
    const csrf = await pageCsrf(agent, `${issuer}/admin`);
    return submit(agent, `${issuer}/admin/impersonate`, { csrf, reason: REASON, ...fields }, key);
  };
  const introspect = async (token: string) =>
    (await (await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic('acme-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    })).json()) as { active: boolean };

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        // Two domains and tickets in the query string: the console offers a domain and sends a GET.
        raw.tenants.push({ id: 'hooli', name: 'Hooli', domains: HOOLI, ticketDelivery: 'query', impersonation: { maxSeconds: 7200, defaultSeconds: 900 } });
        raw.seed.users.push({ tenant: 'hooli', email: 'gavin@hooli.test', name: 'Gavin Hooli', password: 'gavin-demo-pass' });
      },
    });
    issuer = gh.issuer;
    // Enough users for two pages of search results (no password: nothing to hash).
    for (let i = 1; i <= 24; i++) {
      await gh.gatehouse.services.accounts.users.create({ tenant: 'acme', email: `user${String(i).padStart(2, '0')}@acme.test`, name: `Paging User ${i}` });
    }
    ({ agent: alice } = await signInConsole(issuer, ALICE));
    await enrollAdmin(gh, ALICE, key, 'laptop');
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('sends a signed-out browser to sign in', async () => {
    for (const path of ['/admin/users', '/admin/sessions', '/admin/audit', '/admin/notifications', '/admin/impersonate/continue?resume=x']) {
      const res = await get(new HttpAgent(), path);
      assert.equal(res.status, 303, path);
      assert.equal(res.location, '/admin');
    }
  });

  it("searches a tenant's users, with paging, only in tenants the admin's roles cover", async () => {
    const found = await get(alice, '/admin/users?tenant=acme&q=bob');
    assert.equal(found.status, 200);
    assert.match(found.html, /bob@acme\.test/);
    assert.doesNotMatch(found.html, /carol@acme\.test/);
    assert.match(found.html, new RegExp(`href="/admin/impersonate\\?user=${bob}"`));

    const first = await get(alice, '/admin/users?tenant=acme');
    const total = (await gh.gatehouse.services.accounts.users.list('acme')).total;
    assert.match(first.html, new RegExp(`Users 1–20 of ${total}\\.`));
    assert.equal([...first.html.matchAll(/<tr data-user=/g)].length, 20);
    const next = /href="([^"]+)" rel="next"/.exec(first.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next, 'a next page');
    const second = await get(alice, next);
    assert.equal([...second.html.matchAll(/<tr data-user=/g)].length, total - 20);
    assert.match(second.html, /rel="prev"/);
    assert.doesNotMatch(second.html, /rel="next"/);
    const firstIds = new Set([...first.html.matchAll(/data-user="([^"]+)"/g)].map((m) => m[1]));
    assert.ok([...second.html.matchAll(/data-user="([^"]+)"/g)].every((m) => !firstIds.has(m[1])), 'pages do not overlap');

    const none = await get(alice, '/admin/users?tenant=acme&q=nobody-like-this');
    assert.match(none.html, /No users match/);
    assert.equal((await get(alice, '/admin/users?tenant=nope')).status, 403);

    const { agent: gina } = await signInConsole(issuer, GINA);
    const uncovered = await get(gina, '/admin/users?tenant=acme');
    assert.equal(uncovered.status, 403, "gina's roles cover globex only");
    assert.doesNotMatch(uncovered.html, /bob@acme\.test/);
    assert.equal((await get(gina, `/admin/impersonate?user=${bob}`)).status, 404);
  });

  let sid: string;
  let accessToken: string;

  it('starts an impersonation: step-up first, then an auto-submitting form with the ticket, no referrer', async () => {
    const form = await get(alice, `/admin/impersonate?user=${bob}`);
    assert.equal(form.status, 200);
    assert.match(form.html, /<textarea name="reason" required minlength="3" maxlength="2000"/);
    assert.doesNotMatch(form.html, /name="access_code"/, 'acme needs no code');
    const durations = [...form.html.matchAll(/<option value="(\d+)"/g)].map((m) => Number(m[1]));
    assert.ok(durations.length > 1 && durations.every((d) => d >= 60 && d <= 3600), `bounded by maxSeconds: ${durations}`);
    assert.match(form.html, /<option value="1800" selected>30 min<\/option>/);
    assert.match(form.html, /confirm it's you with your passkey first/);

    // Not stepped up (a password sign-in): the request waits while the admin uses the passkey.
    const csrf = await pageCsrf(alice, `${issuer}/admin`);
    const posted = await alice.postForm(`${issuer}/admin/impersonate`, { csrf, user: bob, tenant: 'acme', reason: REASON, duration: '900', audience: ACME });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), '/admin/stepup');
    const kept = (await (await consoleSession(gh, alice)).read()).action as { path: string; fields: [string, string][] } | undefined;
    assert.equal(kept?.path, '/admin/impersonate', 'kept in the console session');
    assert.deepEqual(Object.fromEntries(kept!.fields), { user: bob, tenant: 'acme', reason: REASON, duration: '900', audience: ACME }, 'the form, without its CSRF token');
    const page = await followThrough(alice, new URL('/admin/stepup', issuer), key);

    assert.equal(page.status, 200);
    assert.equal(page.url.pathname, '/admin/impersonate/continue');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.headers.get('content-security-policy') ?? '', new RegExp(`form-action [^;]*${ACME.replace(/\./g, '\\.')}`));
    const ticket = ticketForm(page.html);
    assert.ok(ticket, page.html);
    assert.equal(ticket.method, 'post');
    assert.equal(ticket.action, `${ACME}/impersonate`);
    assert.equal(ticket.field, 'ticket');
    assert.match(ticket.ticket, /^[A-Za-z0-9_-]{60,}$/, "base64url: 256 bits and the sealed record");
    assert.match(page.html, /<button type="submit" id="continue">Continue<\/button>/);
    assert.match(page.html, /<script src="\/static\/console\.js"><\/script>/);
    assert.doesNotMatch(page.html, /<script>|<script [^>]*>[^<]+<\/script>|\son\w+=/i, 'no inline script');
    assert.equal((await (await consoleSession(gh, alice)).read()).impersonation, undefined, 'the request is spent');
    assert.match(await (await fetch(`${issuer}/static/console.js`)).text(), /form\.submit\(\)/);

    // The tenant redeems it: a session of the chosen duration for bob, by alice.
    const redeemed = await tokenRequest(issuer, 'acme-app', redeemFields(ticket.ticket));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.equal(redeemed.body.expires_in, 900);
    const claims = JSON.parse(Buffer.from(redeemed.body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, bob);
    assert.equal(claims.impersonation.reason, REASON);
    sid = claims.impersonation.sid;
    accessToken = redeemed.body.access_token;

    // Back button or reload: the page does not mint again and holds no ticket.
    const again = await get(alice, `${page.url.pathname}${page.url.search}`);
    assert.equal(again.status, 410);
    assert.match(again.html, /already used or has expired/);
    assert.equal(ticketForm(again.html), null);

    // Now stepped up: the next request goes straight to its ticket.
    const direct = await alice.postForm(`${issuer}/admin/impersonate`, { csrf, user: bob, tenant: 'acme', reason: REASON, duration: '1800', audience: ACME });
    assert.match(direct.headers.get('location') ?? '', /^\/admin\/impersonate\/continue\?resume=[\w-]+$/);
    assert.ok(ticketForm((await followThrough(alice, new URL(direct.headers.get('location')!, issuer))).html));
  });

  it('offers the domain and delivers in the URL for a query tenant', async () => {
    const gavin = await userId(gh, 'hooli', 'gavin@hooli.test');
    const form = await get(alice, `/admin/impersonate?user=${gavin}`);
    assert.match(form.html, /<select name="audience">/);
    assert.match(form.html, /<option value="7200">2 h<\/option>/);
    const page = await impersonate(alice, { user: gavin, tenant: 'hooli', audience: HOOLI[1]!, duration: '7200' });
    const ticket = ticketForm(page.html);
    assert.deepEqual(ticket && { method: ticket.method, action: ticket.action, field: ticket.field }, {
      method: 'get',
      action: `${HOOLI[1]}/impersonate`,
      field: 'token',
    });
  });

  it('shows refusals in words, and asks for a code where the tenant needs one', async () => {
    const short = await impersonate(alice, { user: bob, tenant: 'acme', reason: 'no', audience: ACME });
    assert.equal(short.status, 400);
    assert.match(short.html, /Give a reason of 3 to 500 characters/);

    const carol = await userId(gh, 'acme', 'carol@acme.test');
    const sensitive = await impersonate(alice, { user: carol, tenant: 'acme', audience: ACME });
    assert.equal(sensitive.status, 403);
    assert.match(sensitive.html, /id="refusal">Not allowed: this user is marked sensitive and no role of yours allows it\.</);
    assert.match(sensitive.html, new RegExp(REASON), 'the form keeps what was typed');

    const dave = await userId(gh, 'globex', 'dave@globex.test');
    const codeForm = await get(alice, `/admin/impersonate?user=${dave}`);
    assert.match(codeForm.html, /name="access_code"[^>]* required/);
    const noCode = await impersonate(alice, { user: dave, tenant: 'globex', audience: GLOBEX });
    assert.equal(noCode.status, 400);
    assert.match(noCode.html, /Globex requires a support access code/);
    const wrongCode = await impersonate(alice, { user: dave, tenant: 'globex', audience: GLOBEX, access_code: 'AAAAA-BBBBB' });
    assert.equal(wrongCode.status, 400);
    assert.match(wrongCode.html, /Gatehouse refused the impersonation: the support access code is invalid or expired\./);
    assert.doesNotMatch(wrongCode.html, /AAAAA-BBBBB/, 'a code is never rendered back');
    assert.match((await get(alice, '/admin/users?tenant=globex')).html, /href="\/admin\/impersonate\?tenant=globex"/);

    const ivy = await userId(gh, 'initech', 'ivy@initech.test');
    const optIn = await get(alice, `/admin/impersonate?user=${ivy}`);
    assert.match(optIn.html, /Not allowed by the user/);
    const refused = await impersonate(alice, { user: ivy, tenant: 'initech', audience: tenantOrigin('initech') });
    assert.match(refused.html, /the user has not allowed support access/);
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'consent_missing');
  });

  it('impersonates with a support access code the user created on /account', async () => {
    const dave = new HttpAgent();
    const signin = await (await dave.fetch(`${issuer}/account`)).text();
    await dave.postForm(`${issuer}/account/login`, { csrf: formFields(signin).csrf ?? '', tenant: 'globex', email: 'dave@globex.test', password: 'dave-demo-pass' });
    const home = await (await dave.fetch(`${issuer}/account`)).text();
    const created = await (await dave.postForm(`${issuer}/account/support-access/code`, { csrf: formFields(home).csrf ?? '' })).text();
    const code = /id="access-code">([^<]+)</.exec(created)?.[1];
    assert.ok(code, 'a code');

    // "Start with an access code": no user picked, the code names them.
    const form = await get(alice, '/admin/impersonate?tenant=globex');
    assert.equal(form.status, 200);
    assert.match(form.html, /Impersonate with a support access code/);
    const page = await impersonate(alice, { tenant: 'globex', audience: GLOBEX, access_code: code });
    assert.equal(page.status, 200, page.html.slice(0, 500));
    assert.match(page.html, /the user who created the access code/);
    const ticket = ticketForm(page.html);
    assert.equal(ticket?.action, `${GLOBEX}/impersonate`);
    const redeemed = await tokenRequest(issuer, 'globex-app', redeemFields(ticket!.ticket));
    assert.equal(JSON.parse(Buffer.from(redeemed.body.access_token.split('.')[1], 'base64url').toString()).sub, await userId(gh, 'globex', 'dave@globex.test'));

    const again = await impersonate(alice, { tenant: 'globex', audience: GLOBEX, access_code: code });
    assert.match(again.html, /the support access code is invalid or expired/, 'a code works once');
    assert.equal((await get(alice, '/admin/impersonate?tenant=acme')).status, 404, 'acme uses no codes');
  });

  it('goes to step-up when the token endpoint asks for it (acr_values), then continues', async () => {
    // A console session that believes it is fresh while its token says acr pwd.
    const { agent } = await signInConsole(issuer, ALICE);
    const session = await consoleSession(gh, agent);
    await session.write({ ...(await session.read()), acr: 'phr', authTime: Math.floor(Date.now() / 1000) });
    const csrf = await pageCsrf(agent, `${issuer}/admin`);
    const posted = await agent.postForm(`${issuer}/admin/impersonate`, { csrf, user: bob, tenant: 'acme', reason: REASON, audience: ACME });
    const continued = await agent.fetch(new URL(posted.headers.get('location')!, issuer));
    assert.equal(continued.status, 303);
    assert.equal(continued.headers.get('location'), '/admin/stepup');
    const page = await followThrough(agent, new URL('/admin/stepup', issuer), key);
    assert.ok(ticketForm(page.html), 'after the step-up, the ticket');
  });

  it('a form that waits for a step-up keeps its fields on the server: an access code is never rendered back, and it is posted again once', async () => {
    const { agent } = await signInConsole(issuer, ALICE); // a password session: not stepped up
    const dave = await userId(gh, 'globex', 'dave@globex.test');
    const code = 'QQQQQ-ZZZZZ';
    const csrf = await pageCsrf(agent, `${issuer}/admin`);
    const posted = await agent.postForm(`${issuer}/admin/impersonate`, { csrf, user: dave, tenant: 'globex', reason: REASON, audience: GLOBEX, access_code: code });
    assert.equal(posted.headers.get('location'), '/admin/stepup');
    // Through the step-up by hand, to the resume page.
    const stepup = await agent.follow(new URL('/admin/stepup', issuer), () => false);
    const { res } = await answerPasskeyPage(agent, stepup.url, stepup.html ?? '', key, { mode: 'stepup' });
    const resumed = await agent.follow(new URL(((await res.json()) as { redirectTo: string }).redirectTo, stepup.url), () => false);
    assert.equal(resumed.url.pathname, '/admin/resume');
    const html = resumed.html ?? '';
    assert.doesNotMatch(html, new RegExp(code), 'the code stays on the server');
    const form = /<form method="post" action="([^"]+)" id="resume-form" data-autosubmit>([\s\S]*?)<\/form>/.exec(html);
    assert.ok(form, html);
    assert.match(form[1]!, /^\/admin\/impersonate\?resumed=[\w-]{32}$/);
    assert.deepEqual([...form[2]!.matchAll(/<input [^>]*name="([^"]+)"/g)].map((m) => m[1]), ['csrf'], 'nothing but the CSRF token');
    assert.match(form[2]!, /<button type="submit" id="resume">Start the support session<\/button>/);
    // Posted: the kept form runs (here the made-up code is refused at the mint, on the form, in words).
    const action = form[1]!.replace(/&amp;/g, '&');
    const fields = { csrf: /name="csrf" value="([^"]+)"/.exec(form[2]!)![1]! };
    const done = await agent.postForm(new URL(action, issuer), fields);
    const page = await followThrough(agent, new URL(done.headers.get('location')!, issuer));
    assert.match(page.html, /support access code/i);
    assert.doesNotMatch(page.html, new RegExp(code), 'not rendered back after the mint either');
    // Once: the same post again finds nothing to resume.
    const again = await agent.postForm(new URL(action, issuer), fields);
    assert.equal(again.status, 410);
    assert.match(await again.text(), /already done, or waited too long/);
  });

  it("the home page shows what needs doing: the admin's live sessions, requests waiting for them, their refusals, the step-up in words", async () => {
    // Lena files a request for Carol (sensitive: the two-person rule); alice may answer it.
    const carol = await userId(gh, 'acme', 'carol@acme.test');
    const { agent: lena } = await signInConsole(issuer, { email: 'lena@gatehouse.test', password: 'lena-demo-pass' });
    const filed = await fileRequest(issuer, lena, carol);
    assert.equal(filed.status, 303, filed.html);

    const home = await get(alice, '/admin');
    assert.equal(home.status, 200);
    const section = (id: string) => new RegExp(`<ul id="${id}">([\\s\\S]*?)</ul>`).exec(home.html)?.[1] ?? '';
    assert.match(section('active-sessions'), /Bob Acme \(bob@acme\.test\)<\/bdi> at <bdi>Acme Corp<\/bdi>, 1[45] min left/);
    assert.match(section('waiting'), new RegExp(`href="/admin/access-requests/${filed.id}"[\\s\\S]*Carol Acme[\\s\\S]*<bdi>Lena Lead</bdi> asks you to approve, as the second admin`));
    assert.match(section('refusals'), /Ivy Initech \(ivy@initech\.test\)<\/bdi> at <bdi>Initech<\/bdi> — the user has not allowed support access/);
    assert.match(section('refusals'), /a user named by a support access code at <bdi>Globex<\/bdi> — the support access code is invalid or expired/);
    // The step-up in words; acr and amr folded away, and no "Step up now" when it is fresh.
    assert.match(home.html, /<p id="stepup-status" data-fresh="yes">Confirmed with your passkey: you can impersonate and make changes until \d\d:\d\d UTC/);
    assert.match(home.html, /<details id="authentication">[\s\S]*<td id="acr">phr<\/td>/);
    assert.doesNotMatch(home.html, /id="stepup"/);

    // Gina signed in with a password, nothing live, nothing waiting: the page says so in words.
    const { agent: gina } = await signInConsole(issuer, GINA);
    const hers = await get(gina, '/admin');
    assert.match(hers.html, /<p id="stepup-status" data-fresh="no">Signed in with your password\. The console asks you to confirm it&#39;s you/);
    assert.match(hers.html, /id="no-active-sessions"/);
    assert.match(hers.html, /id="no-refusals"/);
  });

  it('an access request says what its time means: unanswered until…, approved and to start by…', async () => {
    const list = await get(alice, '/admin/access-requests');
    const id = /href="\/admin\/access-requests\/(ar_[\w-]+)"/.exec(list.html)?.[1];
    assert.ok(id, list.html);
    const pending = await get(alice, `/admin/access-requests/${id}`);
    assert.match(pending.html, /<tr id="request-when"><th>Unanswered, expires<\/th>/);
    // Alice, stepped up, approves as the second admin: the request is approved, and says so.
    const landed = await submit(alice, `${issuer}/admin/access-requests/${id}/approve`, { csrf: await pageCsrf(alice, `${issuer}/admin`) }, key);
    assert.equal(landed.url.pathname, `/admin/access-requests/${id}`);
    assert.match(landed.html, /data-state="approved"/);
    assert.match(landed.html, /<tr id="request-when"><th>Approved<\/th><td>[^<]*UTC; start the session by [^<]*UTC<\/td>/);
    assert.doesNotMatch(landed.html, /Unanswered/);
  });

  it('lists sessions with the time left, and End ends one at once', async () => {
    const list = await get(alice, '/admin/sessions');
    const row = new RegExp(`<tr data-sid="${sid}" class="active">[\\s\\S]*?</tr>`).exec(list.html)?.[0];
    assert.ok(row, 'the session is listed as active');
    assert.match(row, /Bob Acme/);
    assert.match(row, /active, 1[45] min left/);
    assert.match(row, new RegExp(REASON));
    assert.match((await get(alice, '/admin/sessions?tenant=acme')).html, new RegExp(`data-sid="${sid}"`));
    assert.equal((await get(alice, '/admin/sessions?tenant=nope')).status, 403);

    const forged = await alice.postForm(`${issuer}/admin/sessions/${sid}/end`, {});
    assert.equal(forged.status, 403, 'no CSRF token, no end');
    assert.equal((await introspect(accessToken)).active, true);

    const { agent: gina } = await signInConsole(issuer, GINA);
    const notHers = await gina.postForm(`${issuer}/admin/sessions/${sid}/end`, { csrf: await pageCsrf(gina, `${issuer}/admin`) });
    assert.equal(notHers.status, 404, 'not her tenant');

    const csrf = await pageCsrf(alice, `${issuer}/admin`);
    const ended = await submit(alice, `${issuer}/admin/sessions/${sid}/end`, { csrf, return: '/admin/sessions?tenant=acme' });
    assert.equal(ended.url.pathname + ended.url.search, '/admin/sessions?tenant=acme&done=ended');
    assert.match(ended.html, /The session was ended/);
    assert.match(ended.html, new RegExp(`<tr data-sid="${sid}" class="ended">[\\s\\S]*?ended by an admin[\\s\\S]*?Alice Admin`));
    assert.equal((await introspect(accessToken)).active, false);
    const event = await lastEvent(gh, 'impersonation.ended');
    assert.equal(event?.sid, sid);
    assert.equal(event?.code, 'ended_by_admin');
    assert.equal(event?.details?.endedBy, (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id);

    const twice = await submit(alice, `${issuer}/admin/sessions/${sid}/end`, { csrf });
    assert.match(twice.html, /already ended/);
    const open = await alice.postForm(`${issuer}/admin/sessions/${sid}/end`, { csrf, return: 'https://evil.example/' });
    assert.equal(open.headers.get('location'), '/admin/sessions?done=already', 'no open redirect');
  });

  it('browses the audit log with filters and paging', async () => {
    const byType = await get(alice, '/admin/audit?type=impersonation.ticket_issued');
    const types = [...byType.html.matchAll(/data-type="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(types.length >= 3 && types.every((t) => t === 'impersonation.ticket_issued'), String(types));

    const denied = await get(alice, '/admin/audit?tenant=initech&type=impersonation.denied');
    assert.match(denied.html, /consent_missing/);
    assert.doesNotMatch(denied.html, /sensitive_user/, 'that refusal was at acme');

    const byUser = await get(alice, '/admin/audit?tenant=acme&user=bob%40acme.test');
    const rows = [...byUser.html.matchAll(/<tr data-event=[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    assert.ok(rows.length > 0 && rows.every((r) => r.includes('bob@acme.test')));
    assert.equal((await get(alice, '/admin/audit?user=bob%40acme.test')).status, 400, 'an email needs the tenant');

    const byAdmin = await get(alice, '/admin/audit?admin=gina%40gatehouse.test');
    const ginas = [...byAdmin.html.matchAll(/data-type="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(ginas.length > 0 && ginas.every((t) => t === 'admin.login'), String(ginas));

    const first = await get(alice, '/admin/audit?limit=2');
    const firstIds = [...first.html.matchAll(/data-event="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(firstIds.length, 2);
    const older = /href="([^"]+)" rel="next"/.exec(first.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(older?.includes('before='), 'an "Older" link');
    const second = await get(alice, older!);
    const secondIds = [...second.html.matchAll(/data-event="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(secondIds.length, 2);
    assert.ok(secondIds.every((id) => !firstIds.includes(id)));
    assert.match(second.html, /rel="first"/);

    assert.match((await get(alice, '/admin/audit?from=2000-01-01T00:00&to=2000-01-02T00:00')).html, /No events match/);
    const now = new Date();
    const from = new Date(now.getTime() - 3600_000).toISOString().slice(0, 16);
    assert.match((await get(alice, `/admin/audit?from=${from}&type=admin.login`)).html, /data-type="admin.login"/);
    const bad = await get(alice, '/admin/audit?from=yesterday');
    assert.equal(bad.status, 400);
    assert.match(bad.html, /YYYY-MM-DDTHH:MM/);
  });

  describe('dead-lettered notifications', () => {
    let receiver: Server;
    let healthy = false;
    let deliveries = 0;
    let notifier: Notifier;
    let original: Notifier;

    before(async () => {
      receiver = createServer((req, res) => {
        req.resume();
        deliveries++;
        res.writeHead(healthy ? 200 : 500).end();
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      // A notifier that gives up after one try, so a delivery dead-letters at once.
      notifier = createNotifier({
        webhooks: [{ url, events: ['*'], format: 'json', secret: 'console-test-webhook-secret-0123456789' }],
        queueConnection: gh.config.redis,
        logger: gh.gatehouse.services.logger,
        attempts: 1,
        backoffMs: 0,
        prefix: `${gh.config.storePrefix}dl`,
      });
      await notifier.start();
      original = gh.gatehouse.services.notifier;
      gh.gatehouse.services.notifier = notifier;
    });
    after(async () => {
      gh.gatehouse.services.notifier = original;
      await notifier?.close();
      receiver?.close();
    });

    it('lists them with Retry, which delivers again', async () => {
      assert.match((await get(alice, '/admin/notifications')).html, /No dead letters/);
      const event = (await gh.gatehouse.services.audit.list({ type: 'impersonation.started' }, { limit: 1 })).events[0]!;
      await notifier.notify(event);
      for (let i = 0; i < 100 && (await notifier.deadLetters()).length === 0; i++) await sleep(50);

      const page = await get(alice, '/admin/notifications');
      const row = new RegExp(`<tr data-letter="${event.id}-0">[\\s\\S]*?</tr>`).exec(page.html)?.[0];
      assert.ok(row, page.html);
      assert.match(row, /impersonation\.started/);
      assert.match(row, /HTTP 500/);
      assert.match(row, /http:\/\/127\.0\.0\.1:\d+\/hook/);

      const forged = await alice.postForm(`${issuer}/admin/notifications/${event.id}-0/retry`, {});
      assert.equal(forged.status, 403);

      healthy = true;
      const before = deliveries;
      const csrf = await pageCsrf(alice, `${issuer}/admin`);
      const retried = await submit(alice, `${issuer}/admin/notifications/${event.id}-0/retry`, { csrf });
      assert.match(retried.html, /Queued again/);
      for (let i = 0; i < 100 && (await notifier.deadLetters()).length > 0; i++) await sleep(50);
      assert.ok(deliveries > before, 'delivered again');
      assert.match((await get(alice, '/admin/notifications')).html, /No dead letters/);
      const gone = await submit(alice, `${issuer}/admin/notifications/${event.id}-0/retry`, { csrf });
      assert.match(gone.html, /no longer a dead letter/);
    });
  });

  it('refuses every form without its CSRF token', async () => {
    const res = await alice.postForm(`${issuer}/admin/impersonate`, { user: bob, tenant: 'acme', reason: REASON, audience: ACME });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /Your session expired/);
    assert.equal((await (await consoleSession(gh, alice)).read()).impersonation, undefined, 'nothing waits for a step-up');
    const wrong = await alice.postForm(`${issuer}/admin/impersonate`, { csrf: 'x'.repeat(43), user: bob, tenant: 'acme', reason: REASON, audience: ACME });
    assert.equal(wrong.status, 403);
    // A cross-site request carries no cookie of ours at all (SameSite=Lax) and no token either.
    const stranger = await new HttpAgent().postForm(`${issuer}/admin/impersonate`, { user: bob, reason: REASON });
    assert.equal(stranger.status, 303);
    assert.equal(stranger.headers.get('location'), '/admin');
  });

  it('in development, /admin/dev-token shows the admin their actor token after a step-up: the wire calls by hand then mint', async () => {
    // The page's own link: through the step-up and back to it.
    const page = await followThrough(alice, `${issuer}/admin/stepup?return=/admin/dev-token`, key);
    assert.equal(page.url.pathname, '/admin/dev-token');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const token = /^export ADMIN_TOKEN=(\S+)$/m.exec(page.html)?.[1];
    assert.ok(token, page.html);
    assert.match(page.html, new RegExp(`^export ISSUER=${issuer}$`, 'm'));
    // What the README's curl does with it: leg 1 as the console client.
    const minted = await tokenRequest(issuer, 'support-console', { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', actor_token: token, actor_token_type: 'urn:ietf:params:oauth:token-type:access_token', subject_token: bob, subject_token_type: 'urn:gatehouse:token-type:user-id', audience: ACME, reason: REASON, duration: '900' });
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    // A password-only session gets the way to its step-up, not a token that could not mint.
    const { agent: gina } = await signInConsole(issuer, GINA);
    const hers = await get(gina, '/admin/dev-token');
    assert.match(hers.html, /id="token-needs-stepup"/);
    assert.match(hers.html, /href="\/admin\/stepup\?return=\/admin\/dev-token"/);
    assert.doesNotMatch(hers.html, /ADMIN_TOKEN=/);
    assert.equal((await get(new HttpAgent(), '/admin/dev-token')).location, '/admin', 'signed out: to the sign-in');
    // Production never registers the page.
    const services = gh.gatehouse.services;
    const production = devTokenRoutes({ ...services, config: { ...services.config, production: true } }, consoleSessions(services));
    assert.equal(production.stack.length, 0);
    assert.equal(devTokenRoutes(services, consoleSessions(services)).stack.length, 1);
  });
});
