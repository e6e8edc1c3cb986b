/**
 * Passkey step-up in the authorization request (PROTOCOL §3 step 1), over HTTP with the
 * software authenticator and openid-client, on a real redis-server.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { keys } from '../../src/store/keys.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { answerPasskeyPage, consoleSecret, signInConsole, startPasskey, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { authorize, discover, oidc } from '../helpers/oidc-flow.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
const BRUNO = { email: 'bruno@gatehouse.test', password: 'bruno-demo-pass' };
type Page = { url: URL; html: string };
const redirectOf = async (res: Response, base: URL) => new URL(((await res.json()) as { redirectTo: string }).redirectTo, base);

describe('passkey step-up (acr phr) in the authorization request', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let client: oidc.Configuration;
  let agent: HttpAgent;
  const key = new SoftwareAuthenticator();
  const brunoKey = new SoftwareAuthenticator();

  /** An authorization of the console client; `onPage` answers the passkey page. */
  async function consoleAuthorization(extra: Record<string, string>, onPage?: (page: Page) => Promise<URL | undefined>, by = agent) {
    const pages: Page[] = [];
    const { callbackUrl, codeVerifier, state } = await authorize(client, {
      redirectUri: `${gh.issuer}/admin/callback`,
      ...ALICE,
      agent: by,
      extra,
      onPage: async (page) => {
        pages.push(page);
        return onPage?.(page);
      },
    });
    const tokens = await oidc.authorizationCodeGrant(client, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
    const introspected = await oidc.tokenIntrospection(client, tokens.access_token);
    return { tokens, introspected, claims: tokens.claims()!, pages };
  }

  const answered = (by: HttpAgent) => async (page: Page) => {
    const { res } = await answerPasskeyPage(by, page.url, page.html, key);
    assert.equal(res.status, 200, await res.clone().text());
    return redirectOf(res, page.url);
  };

  /**
   * A step-up where `attempt` is refused with `code`; then a good assertion on the same
   * page still finishes it with acr phr (a refusal consumes its challenge, nothing else).
   */
  async function refusedThenFinished(code: string, attempt: (page: Page) => Promise<Response>) {
    const { introspected } = await consoleAuthorization({ acr_values: 'phr', max_age: '0' }, async (page) => {
      const res = await attempt(page);
      const body = (await res.json()) as { code: string; error_description: string };
      assert.equal(res.status, 400);
      assert.equal(body.code, code, body.error_description);
      return answered(agent)(page);
    });
    assert.equal(introspected.acr, 'phr');
  }

  before(async () => {
    redis = await startRedisServer();
    gh = await startGatehouse({ redisUrl: redis.url });
    await gh.gatehouse.services.accounts.admins.create({ ...BRUNO, name: 'Bruno Admin', roles: ['support'] });
    client = await discover(gh.issuer, 'support-console', consoleSecret());
    ({ agent } = await signInConsole(gh.issuer, ALICE));
    await enrollAdmin(gh, ALICE, key, 'laptop');
    await enrollAdmin(gh, BRUNO, brunoKey, 'bruno key');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('a password login gives acr pwd and amr [pwd] on the access and ID tokens', async () => {
    const { introspected, claims } = await consoleAuthorization({}, undefined, new HttpAgent());
    assert.equal(claims.acr, 'pwd');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(introspected.acr, 'pwd');
    assert.deepEqual(introspected.amr, ['pwd']);
    assert.equal(typeof introspected.auth_time, 'number');
  });

  it('acr_values=phr: password first, then a passkey page; yields acr phr, amr with mfa, fresh auth_time', async () => {
    const started = Math.floor(Date.now() / 1000);
    const fresh = new HttpAgent();
    const { claims, introspected, pages } = await consoleAuthorization({ acr_values: 'phr' }, answered(fresh), fresh);
    assert.equal(pages.length, 1, 'one passkey page after the password');
    assert.match(pages[0]!.html, /Confirm it/);
    assert.equal(claims.acr, 'phr', 'the ID token says how the admin authenticated');
    assert.deepEqual(claims.amr, ['pwd', 'hwk', 'user', 'mfa']);
    assert.ok(Number(claims.auth_time) >= started);
    assert.equal(introspected.acr, 'phr');
    assert.deepEqual(introspected.amr, ['pwd', 'hwk', 'user', 'mfa']);
    assert.ok(Number(introspected.auth_time) >= started);
    const events = await gh.gatehouse.services.audit.list({ type: 'admin.stepup' }, { limit: 50 });
    assert.ok(events.events.some((e) => e.outcome === 'success' && e.details?.amr === 'pwd hwk user mfa'));
  });

  it('within max_age a phr session is not asked again; max_age in the past forces a new assertion', async () => {
    const first = await stepUp(gh.issuer, agent, key);
    assert.equal(first.acr, 'phr');
    const silent = await consoleAuthorization({ acr_values: 'phr', max_age: '300' });
    assert.equal(silent.pages.length, 0, 'no passkey page within max_age');
    assert.equal(silent.introspected.auth_time, first.authTime);
    await sleep(2100);
    const again = await consoleAuthorization({ acr_values: 'phr', max_age: '1' }, answered(agent));
    assert.equal(again.pages.length, 1);
    assert.ok(Number(again.introspected.auth_time) > first.authTime);
    assert.equal(again.claims.acr, 'phr');
    assert.ok(Number(again.claims.auth_time) > first.authTime, 'the ID token carries the new auth_time');
  });

  it('refuses a replayed assertion', async () => {
    let accepted: unknown;
    await consoleAuthorization({ acr_values: 'phr', max_age: '0' }, async (page) => {
      const good = await answerPasskeyPage(agent, page.url, page.html, key);
      assert.equal(good.res.status, 200);
      accepted = good.response;
      const replay = await good.verify(good.response);
      assert.equal(replay.status, 400);
      assert.equal(((await replay.json()) as { code: string }).code, 'challenge_missing');
      return redirectOf(good.res, page.url);
    });
    // The accepted assertion again, now sent with the challenge of a newer step-up.
    await refusedThenFinished('not_verified', async (page) => (await startPasskey(agent, page.url, page.html)).verify(accepted));
  });

  it('refuses a wrong origin, a wrong RP ID and a tampered signature', async () => {
    const attempt = (options: Parameters<typeof answerPasskeyPage>[4]) => async (page: Page) =>
      (await answerPasskeyPage(agent, page.url, page.html, key, options)).res;
    // Each for its own reason, as the library reported it (logged, never shown to the browser).
    const lastRefusal = () => JSON.parse(gh.logs.lines.filter((l) => l.includes('passkey refused')).at(-1)!).detail as string;
    await refusedThenFinished('not_verified', attempt({ origin: `http://evil.localhost:${gh.port}` }));
    assert.match(lastRefusal(), /origin/);
    await refusedThenFinished('not_verified', attempt({ overrides: { rpId: 'evil.test' } }));
    assert.match(lastRefusal(), /RP ID/i);
    await refusedThenFinished('not_verified', attempt({ overrides: { tamperSignature: true } }));
    assert.equal(lastRefusal(), 'verified: false');
  });

  it('refuses a stale challenge', async () => {
    const { store } = gh.gatehouse.services;
    await refusedThenFinished('challenge_missing', async (page) => {
      const stale = async (handle: string) => {
        await store.expire(keys.webauthnChallenge(handle), 1);
        await sleep(1500);
      };
      return (await answerPasskeyPage(agent, page.url, page.html, key, { beforeVerify: stale })).res;
    });
  });

  it('refuses a signature counter that goes backwards, and audits it', async () => {
    await refusedThenFinished('counter_regressed', async (page) => {
      const { res } = await answerPasskeyPage(agent, page.url, page.html, key, { overrides: { counter: 1 } });
      // The software authenticator remembers the forced counter; the genuine one is higher.
      key.setCounter(key.credentials[0]!.id, 1000);
      return res;
    });
    const { events } = await gh.gatehouse.services.audit.list({ type: 'admin.passkey_counter_regressed' }, { limit: 10 });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.outcome, 'failure');
    assert.equal(events[0]!.admin, (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id);
  });

  it("refuses another admin's passkey for the step-up", async () => {
    const brunoCredential = brunoKey.credentials[0]!.id;
    await refusedThenFinished('wrong_account', async (page) =>
      (await answerPasskeyPage(agent, page.url, page.html, brunoKey, { overrides: { credentialId: brunoCredential } })).res,
    );
    const { events } = await gh.gatehouse.services.audit.list({ type: 'admin.stepup' }, { limit: 50 });
    assert.ok(events.some((e) => e.outcome === 'failure' && e.code === 'wrong_account'));
  });
});
