/**
 * Users' passkeys: registered on /account, used as a first factor at a tenant app's login
 * (acr phr on an RFC 9068 JWT access token) and on /account; accounts without a passkey
 * asked for phr are told how to register one; passkeys never cross account kinds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { answerPasskeyPage, consoleSecret, csrfOf, postJson, registerPasskey } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { authorize, discover, oidc } from '../helpers/oidc-flow.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { tenantOrigin } from '../helpers/ports.js';

const ACME = tenantOrigin('acme');
const ACME_CB = `${ACME}/callback`;
type Started = { options: PublicKeyCredentialRequestOptionsJSON; handle: string };

describe('user passkeys (/account) and passkey sign-in', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let acme: oidc.Configuration;
  const bobKey = new SoftwareAuthenticator({ backupEligible: true });
  const aliceKey = new SoftwareAuthenticator();

  /** Code flow where the login page is answered with a passkey (discoverable), consent allowed. */
  async function passkeyLogin(config: oidc.Configuration, redirectUri: string, key: SoftwareAuthenticator, extra: Record<string, string>) {
    const agent = new HttpAgent();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const params = { redirect_uri: redirectUri, scope: 'openid profile email', state, code_challenge_method: 'S256', ...extra };
    const url = oidc.buildAuthorizationUrl(config, { ...params, code_challenge: await oidc.calculatePKCECodeChallenge(verifier) });
    const isCallback = (u: URL) => u.href.startsWith(redirectUri);
    let step = await agent.follow(url, isCallback);
    for (let i = 0; i < 4 && !isCallback(step.url); i++) {
      const html = step.html ?? '';
      let next: URL;
      if (html.includes('id="passkey-login"')) {
        const { res } = await answerPasskeyPage(agent, step.url, html, key, { mode: 'login' });
        const body = (await res.json()) as { redirectTo?: string; code?: string };
        if (!body.redirectTo) return { refused: body.code };
        next = new URL(body.redirectTo, step.url);
      } else {
        const res = await agent.postForm(new URL(`${step.url.pathname}/confirm`, step.url), { csrf: formFields(html).csrf ?? '' });
        next = new URL(res.headers.get('location')!, step.url);
      }
      step = await agent.follow(next, isCallback);
    }
    const tokens = await oidc.authorizationCodeGrant(config, step.url, { pkceCodeVerifier: verifier, expectedState: state });
    return { tokens };
  }

  async function signInAccount(tenant: string, email: string, password: string) {
    const agent = new HttpAgent();
    const csrf = csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text());
    const res = await agent.postForm(`${gh.issuer}/account/login`, { csrf, tenant, email, password });
    assert.equal(res.status, 303);
    return agent;
  }

  before(async () => {
    redis = await startRedisServer();
    gh = await startGatehouse({ redisUrl: redis.url });
    await gh.gatehouse.services.accounts.admins.create({ email: 'nokey@gatehouse.test', name: 'No Key', password: 'nokey-demo-pass', roles: ['support'] });
    acme = await discover(gh.issuer, 'acme-app', 'dev-acme-secret');
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, aliceKey, 'alice key');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('a user signs in to /account with a password and registers a passkey there', async () => {
    const agent = await signInAccount('acme', 'bob@acme.test', 'bob-demo-pass');
    await registerPasskey(agent, gh.issuer, bobKey, "Bob's phone", '/account/passkeys');
    const home = await (await agent.fetch(`${gh.issuer}/account`)).text();
    assert.match(home, /Passkeys<\/a>: 1 registered/);
    assert.match(home, /with pwd\./);
  });

  it('once a user has a passkey, a password session must confirm with it before adding, renaming or removing one', async () => {
    const agent = await signInAccount('acme', 'bob@acme.test', 'bob-demo-pass');
    const list = await (await agent.fetch(`${gh.issuer}/account/passkeys`)).text();
    assert.doesNotMatch(list, /id="passkey-register"/);
    assert.match(list, /id="passkeys-confirm"[^>]*data-options-url="\/account\/stepup\/options"/);
    const csrf = csrfOf(list);
    const refused = await postJson(agent, `${gh.issuer}/account/passkeys/options`, csrf, {});
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: string }).error, 'step_up_required');
    const [held] = await gh.gatehouse.services.passkeys.list('user', (await gh.gatehouse.services.accounts.users.findByEmail('acme', 'bob@acme.test'))!.id);
    const removal = await agent.postForm(`${gh.issuer}/account/passkeys/${held!.id}/delete`, { csrf });
    assert.equal(removal.status, 303);
    assert.equal(await gh.gatehouse.services.passkeys.count('user', held!.accountId), 1, 'not removed without the confirmation');
    assert.equal((await agent.postForm(`${gh.issuer}/account/passkeys/${held!.id}/rename`, { csrf, name: 'pwned' })).status, 303);
    assert.equal((await gh.gatehouse.services.passkeys.list('user', held!.accountId))[0]!.name, "Bob's phone", 'not renamed either');

    // Confirm with the passkey on the page, then a second passkey registers.
    const started = (await (await postJson(agent, `${gh.issuer}/account/stepup/options`, csrf, {})).json()) as Started;
    const confirmed = await postJson(agent, `${gh.issuer}/account/stepup/verify`, csrf, { handle: started.handle, response: bobKey.getAssertion(started.options, gh.issuer) });
    assert.deepEqual(await confirmed.json(), { redirectTo: '/account/passkeys' });
    await registerPasskey(agent, gh.issuer, new SoftwareAuthenticator(), 'Bob laptop', '/account/passkeys');
    assert.match(await (await agent.fetch(`${gh.issuer}/account`)).text(), /with pwd, swk, user, mfa\./);
    const { events } = await gh.gatehouse.services.audit.list({ type: 'user.passkey_registered' }, { limit: 10 });
    assert.equal(events.length, 2);
    assert.equal(events[0]!.tenant, 'acme');
  });

  it('the passkey alone signs in to the tenant app: JWT access token with acr phr, amr [swk, user], auth_time', async () => {
    const started = Math.floor(Date.now() / 1000);
    const { tokens } = await passkeyLogin(acme, ACME_CB, bobKey, { resource: ACME, acr_values: 'phr' });
    assert.ok(tokens);
    assert.equal(tokens.claims()!.acr, 'phr');
    const jwks = createRemoteJWKSet(new URL(acme.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: gh.issuer, audience: ACME, typ: 'at+jwt' });
    assert.equal(payload.acr, 'phr');
    assert.deepEqual(payload.amr, ['swk', 'user']);
    assert.ok(Number(payload.auth_time) >= started);
  });

  it('the passkey signs in to /account too, and the sign-in is audited', async () => {
    const agent = new HttpAgent();
    const csrf = csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text());
    const { options, handle } = (await (await postJson(agent, `${gh.issuer}/account/passkey/options`, csrf, {})).json()) as Started;
    const response = bobKey.getAssertion(options, gh.issuer);
    const res = await postJson(agent, `${gh.issuer}/account/passkey/verify`, csrf, { handle, response });
    assert.deepEqual(await res.json(), { redirectTo: '/account' });
    assert.match(await (await agent.fetch(`${gh.issuer}/account`)).text(), /with swk, user\./);
    const { events } = await gh.gatehouse.services.audit.list({ type: 'user.login' }, { limit: 10 });
    assert.ok(events.some((e) => e.details?.amr === 'swk user'));
  });

  it('passkeys never cross account kinds: an admin passkey at a tenant app or /account, a user passkey at the console', async () => {
    assert.deepEqual(await passkeyLogin(acme, ACME_CB, aliceKey, {}), { refused: 'wrong_account' });
    const console = await discover(gh.issuer, 'support-console', consoleSecret());
    assert.deepEqual(await passkeyLogin(console, `${gh.issuer}/admin/callback`, bobKey, {}), { refused: 'wrong_account' });
    const agent = new HttpAgent();
    const csrf = csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text());
    const { options, handle } = (await (await postJson(agent, `${gh.issuer}/account/passkey/options`, csrf, {})).json()) as Started;
    const res = await postJson(agent, `${gh.issuer}/account/passkey/verify`, csrf, { handle, response: aliceKey.getAssertion(options, gh.issuer) });
    assert.equal(((await res.json()) as { code: string }).code, 'wrong_account');
  });

  it('without a passkey, a phr request after the password explains where to register one', async () => {
    const page = async (config: oidc.Configuration, redirectUri: string, email: string, password: string) => {
      let html = '';
      await assert.rejects(
        authorize(config, { redirectUri, email, password, extra: { acr_values: 'phr' }, onPage: async (p) => {
          html = p.html;
          return undefined;
        } }),
        /unexpected page/,
      );
      return html;
    };
    const user = await page(acme, ACME_CB, 'carol@acme.test', 'carol-demo-pass');
    assert.match(user, /your account has no passkey yet/);
    assert.match(user, new RegExp(`href="${gh.issuer}/account"`));
    const console = await discover(gh.issuer, 'support-console', consoleSecret());
    const admin = await page(console, `${gh.issuer}/admin/callback`, 'nokey@gatehouse.test', 'nokey-demo-pass');
    assert.match(admin, new RegExp(`in the support console at <a href="${gh.issuer}/admin"`));
    assert.match(admin, /passkey enrollment link/);
  });
});
