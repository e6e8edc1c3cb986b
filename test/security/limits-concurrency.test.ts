/**
 * Limits that hold under concurrency (PROTOCOL §10.3, issue 8 row 2), over HTTP against a
 * real Gatehouse on a real redis-server: N concurrent wrong guesses against one account or
 * from one admin verify at most the limit's worth of secrets (consume first, refund on
 * success), and a stranger's wrong passwords never lock the owner out of passkey sign-in.
 * Argon2 verifications are counted through `passwordVerifications()` (this process runs
 * the Gatehouse under test), access codes tried through their audited refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { passwordVerifications } from '../../src/accounts/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { csrfOf, postJson, registerPasskey, signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { discover, oidc } from '../helpers/oidc-flow.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { GLOBEX, mintFields, startExchangeGatehouse, T, tokenRequest } from '../exchange/setup.js';
import { tenantOrigin } from '../helpers/ports.js';

const LIMIT = 5;
const N = 60;

describe('limits hold under concurrency (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let actor: string;
  const bobKey = new SoftwareAuthenticator();

  /** An interaction's login page for `clientId`, reached as a browser would. */
  async function loginPage(clientId: string, secret: string, redirectUri: string) {
    const client = await discover(gh.issuer, clientId, secret);
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    });
    const agent = new HttpAgent();
    const page = await agent.follow(url, () => false);
    assert.match(page.html ?? '', /name="password"/);
    return { agent, url: page.url, html: page.html!, csrf: formFields(page.html!).csrf ?? '' };
  }

  /** Fires `n` concurrent requests and returns their statuses. */
  async function concurrently(n: number, request: (i: number) => Promise<Response>) {
    return Promise.all(Array.from({ length: n }, async (_, i) => (await request(i)).status));
  }

  const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.policy.rateLimits = {
          loginPerAccount: { points: LIMIT, duration: 900 },
          loginPerIp: { points: 10_000, duration: 900 },
          accessCodesPerAdmin: { points: LIMIT, duration: 900 },
          ticketsPerAdmin: { points: 10_000, duration: 900 },
        };
      },
    });
    // Bob registers a passkey on /account before anyone guesses his password.
    const bob = new HttpAgent();
    const signin = await (await bob.fetch(`${gh.issuer}/account`)).text();
    const res = await bob.postForm(`${gh.issuer}/account/login`, { csrf: csrfOf(signin), tenant: 'acme', email: 'bob@acme.test', password: 'bob-demo-pass' });
    assert.equal(res.status, 303);
    await registerPasskey(bob, gh.issuer, bobKey, 'bob key', '/account/passkeys');
    const key = new SoftwareAuthenticator();
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key, 'key');
    actor = (await stepUp(gh.issuer, agent, key)).accessToken;
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it(`${N} concurrent wrong passwords at a tenant app's login cost at most ${LIMIT} argon2 verifications`, async () => {
    const page = await loginPage('acme-app', 'dev-acme-secret', `${tenantOrigin('acme')}/callback`);
    const before = passwordVerifications();
    const statuses = await concurrently(N, (i) =>
      page.agent.postForm(new URL(`${page.url.pathname}/login`, page.url), { csrf: page.csrf, email: 'bob@acme.test', password: `wrong-guess-${i}` }),
    );
    const verified = passwordVerifications() - before;
    assert.ok(verified <= LIMIT, `${verified} argon2 verifications for ${N} concurrent guesses, limit ${LIMIT}`);
    assert.equal(count(statuses, 401), verified, 'each verified guess was refused as wrong');
    assert.equal(count(statuses, 429), N - verified, 'every other guess was refused as too many');
  });

  it(`${N} concurrent wrong passwords at the console's sign-in cost at most ${LIMIT} verifications`, async () => {
    const { agent } = { agent: new HttpAgent() };
    const step = await agent.follow(`${gh.issuer}/admin/login`, () => false);
    assert.match(step.html ?? '', /name="password"/);
    const csrf = formFields(step.html!).csrf ?? '';
    const before = passwordVerifications();
    const statuses = await concurrently(N, (i) =>
      agent.postForm(new URL(`${step.url.pathname}/login`, step.url), { csrf, email: 'gina@gatehouse.test', password: `wrong-guess-${i}` }),
    );
    const verified = passwordVerifications() - before;
    assert.ok(verified <= LIMIT, `${verified} verifications, limit ${LIMIT}`);
    assert.equal(count(statuses, 429), N - verified);
  });

  it(`${N} concurrent wrong passwords on /account cost at most ${LIMIT} verifications`, async () => {
    const agent = new HttpAgent();
    const csrf = csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text());
    const before = passwordVerifications();
    const statuses = await concurrently(N, (i) =>
      agent.postForm(`${gh.issuer}/account/login`, { csrf, tenant: 'acme', email: 'carol@acme.test', password: `wrong-guess-${i}` }),
    );
    const verified = passwordVerifications() - before;
    assert.ok(verified <= LIMIT, `${verified} verifications, limit ${LIMIT}`);
    assert.equal(count(statuses, 401), verified);
    assert.equal(count(statuses, 429), N - verified);
  });

  it('a stranger\'s wrong passwords never lock the owner out of passkey sign-in', async () => {
    // Bob's password budget is spent by the first test: his password is refused for now…
    const page = await loginPage('acme-app', 'dev-acme-secret', `${tenantOrigin('acme')}/callback`);
    const refused = await page.agent.postForm(new URL(`${page.url.pathname}/login`, page.url), { csrf: page.csrf, email: 'bob@acme.test', password: 'bob-demo-pass' });
    assert.equal(refused.status, 429);
    // …and his passkey still signs him in, on /account and at his tenant's app.
    const agent = new HttpAgent();
    const csrf = csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text());
    const started = (await (await postJson(agent, `${gh.issuer}/account/passkey/options`, csrf, {})).json()) as { options: PublicKeyCredentialRequestOptionsJSON; handle: string };
    const res = await postJson(agent, `${gh.issuer}/account/passkey/verify`, csrf, { handle: started.handle, response: bobKey.getAssertion(started.options, gh.issuer) });
    assert.deepEqual(await res.json(), { redirectTo: '/account' });
    const options = await postJson(page.agent, new URL(`${page.url.pathname}/passkey/options`, page.url), page.csrf, { mode: 'login' });
    const ceremony = (await options.json()) as { options: PublicKeyCredentialRequestOptionsJSON; handle: string };
    const verify = await postJson(page.agent, new URL(`${page.url.pathname}/passkey/verify`, page.url), page.csrf, {
      handle: ceremony.handle,
      response: bobKey.getAssertion(ceremony.options, gh.issuer),
    });
    assert.equal(verify.status, 200, await verify.clone().text());
    assert.ok(((await verify.json()) as { redirectTo?: string }).redirectTo);
  });

  it('a right password gives its attempt back: the owner signs in more times than the limit', async () => {
    const agent = new HttpAgent();
    const csrf = csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text());
    for (let i = 0; i < LIMIT * 2; i++) {
      const res = await agent.postForm(`${gh.issuer}/account/login`, { csrf: csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text()) || csrf, tenant: 'globex', email: 'dave@globex.test', password: 'dave-demo-pass' });
      assert.equal(res.status, 303, `sign-in ${i + 1}`);
      await agent.postForm(`${gh.issuer}/account/logout`, { csrf: csrfOf(await (await agent.fetch(`${gh.issuer}/account`)).text()) });
    }
  });

  it(`${N} concurrent wrong support access codes from one admin: at most ${LIMIT} tried, the rest 429 slow_down`, async () => {
    const denied = async () => (await gh.gatehouse.services.audit.list({ type: 'impersonation.denied' }, { limit: 500 })).events;
    const tried = async () => (await denied()).filter((e) => e.code === 'access_code_invalid').length;
    const before = await tried();
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        tokenRequest(gh.issuer, 'support-console', mintFields(actor, `AAAAA-${String(i).padStart(5, '2').replace(/[01]/g, '2')}`, { audience: GLOBEX, subject_token_type: T.accessCode })),
      ),
    );
    const triedNow = (await tried()) - before;
    assert.ok(triedNow <= LIMIT, `${triedNow} codes tried for ${N} concurrent requests, limit ${LIMIT}`);
    const limited = results.filter((r) => r.status === 429);
    assert.equal(limited.length, N - triedNow);
    assert.ok(limited.every((r) => r.body.error === 'slow_down' && Number(r.headers.get('retry-after')) > 0));
  });
});
