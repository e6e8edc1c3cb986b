/**
 * Issue 8 row 4, PROTOCOL §10.2: disabling an admin or a user, from the CLI or the console,
 * ends their access at once — live impersonation sessions end (audited), console and
 * account sessions end, outstanding tickets fail at redemption (and are burned) — and
 * redemption, introspection and /me re-check both accounts themselves. Removing the role
 * that covered a tenant ends the admin's sessions there. Real Gatehouse, real Redis, the
 * real CLI, and the demo tenant app re-checking on every request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { runCli } from '../helpers/cli.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { followThrough, pageCsrf } from '../helpers/console-pages.js';
import { givePasskey } from '../helpers/enroll.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { cookie, csrfOf, type Demo, startDemo } from '../examples/tenant-app-setup.js';
import { redeemFields, tokenRequest } from '../exchange/setup.js';
import { raiseRevocation } from '../../src/impersonation/revocations.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
const MAX = { email: 'max@gatehouse.test', password: 'max-demo-pass' };
const GINA = { email: 'gina@gatehouse.test', password: 'gina-demo-pass' };

describe('disabling ends access at once (CLI and console, real Redis, demo tenant app)', () => {
  let demo: Demo;
  let gh: Demo['gh'];
  let cliEnv: Record<string, string>;
  const keys = { alice: new SoftwareAuthenticator(), max: new SoftwareAuthenticator(), gina: new SoftwareAuthenticator() };

  const acmeSecret = () => `Basic ${Buffer.from('acme-app:dev-acme-secret').toString('base64')}`;
  async function introspect(token: string) {
    const res = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: acmeSecret(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    return (await res.json()) as { active: boolean };
  }
  const me = (token: string) => fetch(`${gh.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
  const idOf = async (email: string) => (await gh.gatehouse.services.accounts.admins.findByEmail(email))!.id;
  const userIdOf = async (email: string) => (await gh.gatehouse.services.accounts.users.findByEmail('acme', email))!.id;
  const ended = async (sid: string) => (await gh.gatehouse.services.audit.list({ type: 'impersonation.ended' }, { limit: 100 })).events.find((e) => e.sid === sid);

  /** A stepped-up actor token of the admin (who holds a passkey). */
  async function actor(credentials: { email: string; password: string }, key: SoftwareAuthenticator) {
    const { agent } = await signInConsole(gh.issuer, credentials);
    return { agent, token: (await stepUp(gh.issuer, agent, key)).accessToken };
  }
  async function mint(actorToken: string, subject: string, audience = demo.acme) {
    const res = await tokenRequest(gh.issuer, 'support-console', {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      actor_token: actorToken,
      actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: subject,
      subject_token_type: 'urn:gatehouse:token-type:user-id',
      audience,
      reason: 'Ticket #77: checking the invoices page',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token as string;
  }
  /** Hands the ticket to the tenant app as the console's form post does; returns the browser and its token. */
  async function impersonateInApp(ticket: string) {
    const browser = new HttpAgent();
    const posted = await browser.postForm(`${demo.acme}/impersonate`, { ticket });
    assert.equal(posted.status, 303, await posted.text());
    const token = decodeURIComponent(cookie(browser, 'gh_imp') ?? '');
    assert.ok(token);
    const page = await (await browser.fetch(`${demo.acme}/`)).text();
    assert.match(page, /impersonated by <strong>/);
    const sid = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { impersonation: { sid: string } }).impersonation.sid;
    return { browser, token, sid };
  }
  async function redeem(ticket: string) {
    return tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket));
  }

  before(async () => {
    demo = await startDemo({
      recheckSeconds: 0,
      storePrefix: 'disabling',
      configure: (raw) => {
        raw.roles.push({ name: 'lifecycle-manager', tenants: '*', manageAdmins: true, manageUsers: true });
        raw.roles.push({ name: 'globex-support', tenants: ['globex'] });
        // No access code on Globex here: what refuses a mint below is the admin's state, nothing else.
        raw.tenants.find((t: { id: string }) => t.id === 'globex').consent = 'none';
        raw.seed.admins.push(
          { ...MAX, name: 'Max Manager', roles: ['support', 'lifecycle-manager'] },
          { ...GINA, name: 'Gina', roles: ['support'] },
        );
        raw.seed.users.push({ tenant: 'acme', email: 'erin@acme.test', name: 'Erin Acme', password: 'erin-acme-pass' });
      },
    });
    gh = demo.gh;
    cliEnv = { REDIS_URL: demo.redis.url, GATEHOUSE_CONFIG: writeConfig({ ...gh.config, ...gh.config.declared } as unknown as Record<string, unknown>), GATEHOUSE_ISSUER: gh.issuer };
    await givePasskey(gh, 'admin', ALICE.email, keys.alice);
    await givePasskey(gh, 'admin', MAX.email, keys.max);
    await givePasskey(gh, 'admin', GINA.email, keys.gina);
  });
  after(() => demo?.stop());

  it('gatehouse admin disable: live sessions end, the app drops them, /me refuses, tickets minted before are refused and burned', async () => {
    const alice = await actor(ALICE, keys.alice);
    const bob = await userIdOf('bob@acme.test');
    const live = await impersonateInApp(await mint(alice.token, bob));
    const outstanding = await mint(alice.token, bob);
    assert.equal((await introspect(live.token)).active, true);
    assert.equal((await me(live.token)).status, 200);

    const disabled = await runCli(['admin', 'disable', ALICE.email], cliEnv);
    assert.equal(disabled.code, 0, disabled.stderr);

    assert.equal((await introspect(live.token)).active, false, 'introspection: inactive at once');
    assert.equal((await me(live.token)).status, 401);
    const page = await (await live.browser.fetch(`${demo.acme}/`)).text();
    assert.doesNotMatch(page, /impersonated by/, "the tenant app's next check drops the session");
    assert.equal((await ended(live.sid))?.code, 'admin_disabled');

    const refused = await redeem(outstanding);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'invalid_request');
    assert.equal(refused.body.access_token, undefined);
    // Burned: enabling alice again does not bring the ticket back.
    assert.equal((await runCli(['admin', 'enable', ALICE.email], cliEnv)).code, 0);
    const again = await redeem(outstanding);
    assert.equal(again.status, 400);
    assert.equal((await introspect(live.token)).active, false, 'an ended session stays ended');
  });

  it("the admin's console session ends, and stays ended after re-enabling", async () => {
    const { agent } = await signInConsole(gh.issuer, ALICE);
    assert.match(await (await agent.fetch(`${gh.issuer}/admin`)).text(), /action="\/admin\/logout"/);
    assert.equal((await runCli(['admin', 'disable', ALICE.email], cliEnv)).code, 0);
    assert.match(await (await agent.fetch(`${gh.issuer}/admin`)).text(), /You are signed out of the support console/);
    assert.equal((await runCli(['admin', 'enable', ALICE.email], cliEnv)).code, 0);
    assert.match(await (await agent.fetch(`${gh.issuer}/admin`)).text(), /You are signed out of the support console/);
    // Her Gatehouse sign-in ended too: signing in again asks for the password.
    const again = await agent.follow(`${gh.issuer}/admin/login`, () => false);
    assert.match(again.html ?? '', /name="password"/, 'no silent sign-in from the session before the disable');
    const events = await gh.gatehouse.services.audit.list({ type: 'admin.disabled' }, { limit: 10 });
    assert.ok(events.events.length >= 2);
    assert.equal(events.events[0]!.admin, await idOf(ALICE.email));
  });

  it("a manager disables a user in the console: the user's sessions, account page and tickets end", async () => {
    const max = await actor(MAX, keys.max);
    const erin = await userIdOf('erin@acme.test');
    const live = await impersonateInApp(await mint(max.token, erin));
    const outstanding = await mint(max.token, erin);
    const account = new HttpAgent();
    const signedIn = await account.postForm(`${gh.issuer}/account/login`, {
      csrf: csrfOf(await (await account.fetch(`${gh.issuer}/account`)).text()),
      tenant: 'acme',
      email: 'erin@acme.test',
      password: 'erin-acme-pass',
    });
    assert.equal(signedIn.status, 303);
    assert.match(await (await account.fetch(`${gh.issuer}/account`)).text(), /action="\/account\/logout"/);

    // The console sends a manager through a fresh step-up; back from it, the Disable is done.
    const users = `${gh.issuer}/admin/users?tenant=acme`;
    const first = await max.agent.postForm(`${gh.issuer}/admin/users/${erin}/disable`, { csrf: await pageCsrf(max.agent, users) });
    assert.equal(first.status, 303);
    assert.equal((await gh.gatehouse.services.accounts.users.findById(erin))?.disabled, false, 'nothing changed before the step-up');
    const landed = await followThrough(max.agent, new URL(first.headers.get('location')!, gh.issuer), keys.max);
    assert.equal(landed.url.href, `${users}&done=disabled`, landed.html.slice(0, 300));
    assert.equal((await gh.gatehouse.services.accounts.users.findById(erin))?.disabled, true);

    assert.equal((await introspect(live.token)).active, false);
    assert.equal((await me(live.token)).status, 401);
    assert.doesNotMatch(await (await live.browser.fetch(`${demo.acme}/`)).text(), /impersonated by/);
    assert.equal((await ended(live.sid))?.code, 'user_disabled');
    assert.equal((await redeem(outstanding)).status, 400);
    assert.doesNotMatch(await (await account.fetch(`${gh.issuer}/account`)).text(), /action="\/account\/logout"/, 'signed out of /account');
    assert.equal((await gh.gatehouse.services.audit.list({ type: 'user.disabled' }, { limit: 5 })).events[0]?.user, erin);
  });

  it('a password-only manager session is sent to the step-up, and a manager without manageUsers is refused', async () => {
    const erin = await userIdOf('erin@acme.test');
    const { agent, csrf } = await signInConsole(gh.issuer, MAX);
    const res = await agent.postForm(`${gh.issuer}/admin/users/${erin}/enable`, { csrf });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/admin/stepup');
    assert.equal((await gh.gatehouse.services.accounts.users.findById(erin))?.disabled, true, 'nothing changed yet');
    const gina = await actor(GINA, keys.gina);
    const ginaCsrf = await pageCsrf(gina.agent, `${gh.issuer}/admin/users?tenant=acme`);
    const refused = await gina.agent.postForm(`${gh.issuer}/admin/users/${erin}/enable`, { csrf: ginaCsrf });
    assert.equal(refused.status, 403);
    assert.equal((await gh.gatehouse.services.accounts.users.findById(erin))?.disabled, true);
  });

  it('removing the role that covered a tenant ends the sessions there and refuses its tickets', async () => {
    const gina = await actor(GINA, keys.gina);
    const bob = await userIdOf('bob@acme.test');
    const live = await impersonateInApp(await mint(gina.token, bob));
    const outstanding = await mint(gina.token, bob);
    // A session in a tenant the remaining role still covers: it ends too (PROTOCOL §10.2, "their
    // live impersonation sessions"), at once and for what happened, not later as a disable.
    const dave = (await gh.gatehouse.services.accounts.users.findByEmail('globex', 'dave@globex.test'))!.id;
    const onGlobex = await tokenRequest(gh.issuer, 'globex-app', redeemFields(await mint(gina.token, dave, demo.globex)));
    assert.equal(onGlobex.status, 200, JSON.stringify(onGlobex.body));
    const globexSid = (JSON.parse(Buffer.from(onGlobex.body.access_token.split('.')[1]!, 'base64url').toString()) as { impersonation: { sid: string } }).impersonation.sid;
    const res = await runCli(['admin', 'roles', GINA.email, '--roles', 'globex-support'], cliEnv);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await ended(globexSid))?.code, 'admin_role_removed', 'the covered tenant\'s session ended with the role change, as a role removal');
    assert.equal((await introspect(live.token)).active, false);
    assert.equal((await ended(live.sid))?.code, 'admin_role_removed');
    assert.equal((await redeem(outstanding)).status, 400);
    assert.doesNotMatch(await (await live.browser.fetch(`${demo.acme}/`)).text(), /impersonated by/);
    // PROTOCOL §10.2: removing the role also revokes the admin's tokens and ends the console session.
    const stepUpToken = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('support-console:dev-console-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: gina.token }),
    });
    assert.equal(((await stepUpToken.json()) as { active: boolean }).active, false, 'the step-up token is inactive');
    const consoleHome = await gina.agent.fetch(`${gh.issuer}/admin`);
    assert.doesNotMatch(await consoleHome.text(), /Sign out/, 'the console session from before is over');
    const again = await tokenRequest(gh.issuer, 'support-console', {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      actor_token: gina.token,
      actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: dave,
      subject_token_type: 'urn:gatehouse:token-type:user-id',
      audience: demo.globex,
      reason: 'Ticket #78: a tenant the remaining role still covers',
    });
    assert.equal(again.status, 400, 'the step-up token from before the role change mints nothing');
    assert.equal(again.body.error, 'invalid_request');
    assert.doesNotMatch(again.body.error_description, /access code/);
  });

  it("a manager disables an admin in the console: the admin's sessions and console end; nobody disables themselves", async () => {
    const alice = await actor(ALICE, keys.alice);
    const live = await impersonateInApp(await mint(alice.token, await userIdOf('bob@acme.test')));
    const max = await actor(MAX, keys.max);
    const admins = `${gh.issuer}/admin/admins`;
    const first = await max.agent.postForm(`${admins}/${await idOf(ALICE.email)}/disable`, { csrf: await pageCsrf(max.agent, admins) });
    assert.equal(first.headers.get('location'), '/admin/stepup');
    // Through the step-up, the disable waited for it is done (pending-action.ts): no second post.
    const landed = await followThrough(max.agent, new URL(first.headers.get('location')!, gh.issuer), keys.max);
    assert.equal(`${landed.url.pathname}${landed.url.search}`, '/admin/admins?done=disabled');
    assert.equal((await introspect(live.token)).active, false);
    assert.equal((await ended(live.sid))?.code, 'admin_disabled');
    assert.match(await (await alice.agent.fetch(`${gh.issuer}/admin`)).text(), /You are signed out of the support console/);
    const self = await max.agent.postForm(`${admins}/${await idOf(MAX.email)}/disable`, { csrf: csrfOf(landed.html) });
    assert.equal(self.status, 409);
    assert.equal((await gh.gatehouse.services.audit.list({ type: 'admin.disabled' }, { limit: 1 })).events[0]?.details?.by, await idOf(MAX.email));
  });

  it('introspection and /me re-check the accounts themselves, and redemption the revocation markers, in case a disable raced them', async () => {
    await runCli(['admin', 'roles', GINA.email, '--roles', 'support'], cliEnv);
    const gina = await actor(GINA, keys.gina);
    const bob = await userIdOf('bob@acme.test');
    const live = await impersonateInApp(await mint(gina.token, bob));
    const outstanding = await mint(gina.token, bob);
    const { store, accounts } = gh.gatehouse.services;
    const ginaAdmin = (await accounts.admins.findById(await idOf(GINA.email)))!;
    // A disable's first step only, its revocation marker in the tenants' slots (lifecycle/index.ts):
    // redemption checks it in the step that claims the ticket (impersonation/revocations.ts).
    await raiseRevocation(store, ['acme', 'globex'], 'admin', ginaAdmin.id, ginaAdmin.revocations + 1, 'admin_disabled');
    const refused = await redeem(outstanding);
    assert.equal(refused.status, 400);
    assert.match(refused.body.error_description, /disabled/);
    // Then only the flag, as a disable whose sweep has not reached these yet would leave it.
    await accounts.admins.setDisabled(ginaAdmin.id, true);
    assert.equal((await introspect(live.token)).active, false);
    assert.equal((await me(live.token)).status, 401);
    assert.equal((await ended(live.sid))?.code, 'admin_disabled', 'the re-check ends the session it refuses');
  });
});
