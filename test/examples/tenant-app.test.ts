/**
 * The demo tenant app (examples/tenant-app) against a real Gatehouse on a real redis-server:
 * two tenant sites in one process told apart by Host, a user's normal OIDC sign-in and
 * sign-out, and a support impersonation from ticket to Stop, over HTTP as a browser would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { discover, oidc } from '../helpers/oidc-flow.js';
import { cookie, csrfOf, mintTicket, signIn, startDemo, type Demo } from './tenant-app-setup.js';

describe('demo tenant app (real Gatehouse, real Redis)', () => {
  let demo: Demo;
  let gh: Demo['gh'];
  let app: Demo['app'];
  let acme: string;
  let globex: string;
  const logged = (msg: string) => demo.logs.filter((l) => l.msg === msg);

  before(async () => {
    demo = await startDemo();
    ({ gh, app, acme, globex } = demo);
  });
  after(() => demo?.stop());

  describe('a user of the tenant', () => {
    const bob = new HttpAgent();

    it('serves each tenant on its own Host, and nothing on an unknown one', async () => {
      const acmeHome = await bob.fetch(`${acme}/`);
      assert.equal(acmeHome.status, 200);
      const html = await acmeHome.text();
      assert.match(html, /Welcome to Acme Corp/);
      assert.match(html, /href="\/login"/);
      assert.match(acmeHome.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.doesNotMatch(html, /<script>|\son\w+=/i, 'no inline script or handler');
      assert.match(await (await bob.fetch(`${globex}/`)).text(), /Welcome to Globex/);
      const theme = await (await bob.fetch(`${acme}/theme.css`)).text();
      assert.notEqual(theme, await (await bob.fetch(`${globex}/theme.css`)).text(), 'each tenant has its colours');
      const stranger = await fetch(`http://initech.localhost:${app.port}/`);
      assert.equal(stranger.status, 404);
    });

    it('signs in with code + PKCE at Gatehouse and shows who they are, with analytics and no banner', async () => {
      const login = await bob.fetch(`${acme}/login`);
      assert.equal(login.status, 302);
      const authorize = new URL(login.headers.get('location')!);
      assert.equal(authorize.origin, gh.issuer);
      assert.equal(authorize.searchParams.get('client_id'), 'acme-app');
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorize.searchParams.get('redirect_uri'), `${acme}/callback`);

      const landed = await signIn(bob, acme, 'bob@acme.test', 'bob-demo-pass');
      assert.equal(landed.url.href, `${acme}/`);
      assert.match(landed.html, /Hello, <bdi>Bob Acme<\/bdi>/);
      assert.match(landed.html, /bob@acme\.test/);
      assert.match(landed.html, /<script src="\/analytics\.js"/);
      assert.doesNotMatch(landed.html, /impersonation-banner|impersonated by/);
      const profile = await (await bob.fetch(`${acme}/profile`)).text();
      assert.match(profile, /<td>acme<\/td>/);
    });

    it('pays an invoice (CSRF-protected) and sends the receipt email', async () => {
      const html = await (await bob.fetch(`${acme}/`)).text();
      const forged = await bob.postForm(`${acme}/payment`, { invoice: 'INV-1042' });
      assert.equal(forged.status, 403, 'no CSRF token, no payment');
      const res = await bob.postForm(`${acme}/payment`, { invoice: 'INV-1042', csrf: csrfOf(html) });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Payment sent \(demo\)/);
      assert.equal(logged('email sent').length, 1);
      assert.equal(logged('email suppressed during impersonation').length, 0);
    });

    it('the globex site on the same process does not see the acme session', async () => {
      // A browser keeps cookies per host, so globex never even receives acme's. Worse than any
      // browser, send acme's cookies to globex anyway: they must not verify there (per-site keys).
      // (Plain fetch, not the agent: globex's answer would clear them from the agent's one jar.)
      assert.ok(cookie(bob, 'app_session'), 'signed in at acme');
      const headers = { cookie: bob.cookieHeader() };
      const html = await (await fetch(`${globex}/`, { headers })).text();
      assert.match(html, /Welcome to Globex/);
      assert.doesNotMatch(html, /Bob/);
      const profile = await fetch(`${globex}/profile`, { headers, redirect: 'manual' });
      assert.equal(profile.status, 302, 'globex sends them to sign in');
      assert.match(await (await bob.fetch(`${acme}/`)).text(), /Hello, <bdi>Bob Acme<\/bdi>/, 'still signed in at acme');
    });

    it('escapes what Gatehouse says about the user', async () => {
      const mallory = new HttpAgent();
      const landed = await signIn(mallory, acme, 'mallory@acme.test', 'mallory-demo-pass');
      assert.match(landed.html, /Hello, <bdi>&lt;img src=x onerror=alert\(1\)&gt;<\/bdi>/);
      assert.doesNotMatch(landed.html, /<img/);
    });

    it('signs out with RP-initiated logout at Gatehouse', async () => {
      const html = await (await bob.fetch(`${acme}/`)).text();
      const res = await bob.postForm(`${acme}/logout`, { csrf: csrfOf(html) });
      assert.equal(res.status, 303);
      const endSession = new URL(res.headers.get('location')!);
      assert.equal(endSession.origin, gh.issuer);
      assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), `${acme}/`);
      assert.ok(endSession.searchParams.get('id_token_hint'));
      assert.match(await (await bob.fetch(`${acme}/`)).text(), /Welcome to Acme Corp/, 'signed out of the app at once');
      // Gatehouse asks to confirm, then returns to the app.
      const confirm = await bob.follow(endSession, () => false);
      const out = await bob.postForm(new URL('/session/end/confirm', gh.issuer), { ...formFields(confirm.html ?? ''), logout: 'yes' });
      assert.equal(out.headers.get('location'), `${acme}/`);
    });

    it('refuses a ticket in a URL when the tenant takes form posts only (405, not sent to Gatehouse)', async () => {
      const res = await bob.fetch(`${acme}/impersonate?ticket=${'x'.repeat(43)}`);
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'POST');
      assert.equal(logged('impersonation rejected').length, 0, 'no redemption was attempted');
    });
  });

  describe('a support impersonation', () => {
    const authenticator = new SoftwareAuthenticator();
    let admin: HttpAgent;
    let actorToken: string;
    let adminId: string;
    let bobId: string;
    let ticket: string;
    let acmeClient: oidc.Configuration;
    let page: string;

    const impersonationToken = () => decodeURIComponent(cookie(admin, 'gh_imp') ?? '');

    before(async () => {
      ({ agent: admin } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }));
      await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
      actorToken = (await stepUp(gh.issuer, admin, authenticator)).accessToken;
      adminId = (await gh.gatehouse.services.accounts.admins.findByEmail('alice@gatehouse.test'))!.id;
      bobId = (await gh.gatehouse.services.accounts.users.findByEmail('acme', 'bob@acme.test'))!.id;
      acmeClient = await discover(gh.issuer, 'acme-app', 'dev-acme-secret');
    });

    it('a ticket in a URL is refused without being spent; the console\'s form post redeems it', async () => {
      const minted = await mintTicket(gh.issuer, { actorToken, subject: bobId, audience: acme, reason: 'ticket #123' });
      assert.equal(minted.redeem_uri, `${acme}/impersonate`);
      ticket = minted.access_token!;
      const inUrl = await admin.fetch(`${minted.redeem_uri}?ticket=${ticket}`);
      assert.equal(inUrl.status, 405);
      const posted = await admin.postForm(minted.redeem_uri!, { ticket });
      assert.equal(posted.status, 303, 'the GET did not burn the ticket');
      assert.equal(posted.headers.get('location'), '/');
      assert.ok(impersonationToken(), 'the impersonation token is kept in the signed cookie');
      const redeemed = logged('impersonation redeemed');
      assert.equal(redeemed.length, 1);
      assert.equal(redeemed[0]!.impersonatedBy, adminId);
      assert.equal(redeemed[0]!.sub, bobId);
    });

    it('every page shows the banner with the user, the admin, mm:ss and Stop; analytics are off', async () => {
      page = await (await admin.fetch(`${acme}/`)).text();
      const shown = /You are signed in as <strong><bdi>bob@acme\.test<\/bdi><\/strong> — impersonated by <strong><bdi>([^<]+)<\/bdi><\/strong> — ends in <time[^>]*>(\d\d):(\d\d)<\/time>/.exec(page);
      assert.ok(shown, page);
      assert.equal(shown[1], 'Alice Admin (support)', 'the name people know, not the id');
      const minutes = Number(shown[2]);
      assert.ok(minutes >= 29 && minutes <= 30, `the default 30 min session, got ${shown[2]}:${shown[3]}`);
      assert.match(page, /Reason: <bdi>ticket #123<\/bdi>/);
      assert.match(page, /Hello, <bdi>Bob Acme<\/bdi>/, 'the profile comes from Gatehouse\'s userinfo for the impersonation token');
      assert.match(page, /<form method="post" action="\/impersonate\/stop"[^>]*><input type="hidden" name="csrf"/);
      assert.doesNotMatch(page, /analytics\.js/);
      assert.match(page, /<script src="\/countdown\.js"/);
      for (const path of ['/profile', '/nowhere']) {
        const other = await (await admin.fetch(`${acme}${path}`)).text();
        assert.match(other, /impersonated by <strong>/, path);
        assert.doesNotMatch(other, /analytics\.js/, path);
      }
      const requests = logged('impersonated request').filter((l) => l.path === '/');
      assert.ok(requests.length >= 1);
      assert.deepEqual(
        { tenant: requests[0]!.tenant, impersonatedBy: requests[0]!.impersonatedBy, sid: typeof requests[0]!.sid },
        { tenant: 'acme', impersonatedBy: adminId, sid: 'string' },
      );
    });

    it('refuses the payment (and signing out) with a clear message while impersonating', async () => {
      const sentBefore = logged('email sent').length;
      const res = await admin.postForm(`${acme}/payment`, { invoice: 'INV-1042', csrf: csrfOf(page) });
      assert.equal(res.status, 403);
      const html = await res.text();
      assert.match(html, /Payments cannot be made while a support agent is signed in as this user/);
      assert.match(html, /impersonated by <strong>/, 'the banner stays on the refusal page');
      assert.doesNotMatch(html, /Payment sent/);
      const json = await admin.fetch(`${acme}/payment`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ invoice: 'INV-1042', csrf: csrfOf(page) }).toString(),
      });
      assert.equal(json.status, 403);
      assert.equal(((await json.json()) as { error: string }).error, 'forbidden_while_impersonating');
      assert.equal((await admin.postForm(`${acme}/logout`, { csrf: csrfOf(page) })).status, 403);
      assert.equal(logged('email sent').length, sentBefore);
    });

    it('suppresses notification emails', async () => {
      const res = await admin.postForm(`${acme}/invoices/email`, { invoice: 'INV-1042', csrf: csrfOf(page) });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Email not sent/);
      const suppressed = logged('email suppressed during impersonation');
      assert.equal(suppressed.length, 1);
      assert.equal(suppressed[0]!.impersonatedBy, adminId);
    });

    it("Stop (a CSRF-protected POST) revokes the session at Gatehouse and returns to the console's Sessions page", async () => {
      const token = impersonationToken();
      const live = await oidc.tokenIntrospection(acmeClient, token);
      assert.equal(live.active, true);
      assert.equal((live.act as { sub: string }).sub, adminId);

      const forged = await admin.postForm(`${acme}/impersonate/stop`, {});
      assert.equal(forged.status, 403, 'no CSRF token, no stop');
      assert.equal((await oidc.tokenIntrospection(acmeClient, token)).active, true);

      const stopped = await admin.postForm(`${acme}/impersonate/stop`, { csrf: csrfOf(page) });
      assert.equal(stopped.status, 303);
      assert.equal(stopped.headers.get('location'), `${gh.issuer}/admin/sessions`);
      assert.equal(cookie(admin, 'gh_imp'), undefined, 'the cookie is cleared');
      assert.equal((await oidc.tokenIntrospection(acmeClient, token)).active, false);
      assert.equal(logged('impersonation stopped').at(-1)?.revoked, true);

      const after = await (await admin.fetch(`${acme}/`)).text();
      assert.doesNotMatch(after, /impersonated by/);
      assert.match(after, /<script src="\/analytics\.js"/);
    });

    it('a ticket presented again is refused', async () => {
      const res = await admin.postForm(`${acme}/impersonate`, { ticket });
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /already been used or has expired/);
      assert.equal(cookie(admin, 'gh_imp'), undefined);
      // In the site's look, in words a person understands, with the way back to the console.
      assert.match(html, /<link rel="stylesheet" href="\/app\.css">/);
      assert.match(html, /<title>Support link not accepted · Acme Corp<\/title>/);
      assert.match(html, new RegExp(`<a class="button" href="${gh.issuer}/admin">Back to the support console</a>`));
      assert.doesNotMatch(html.replace(/<p class="details">.*<\/p>/, ''), /invalid_request/, 'the code only as a detail for support');
    });
  });
});
