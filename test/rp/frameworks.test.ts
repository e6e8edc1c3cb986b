/**
 * The kit in three frameworks against a real Gatehouse on a real redis-server: for Koa, Express
 * and Hono (the web-standard Request/Response handler), a real server of that framework redeems
 * a real ticket minted after a passkey step-up, exposes the user and the admin, guards an action,
 * refuses the replayed ticket and stops the session at Gatehouse.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findSession } from '../../src/impersonation/sessions.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { freePort } from '../helpers/ports.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { mintFields, SECRETS, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { type FrameworkApp, type KitSettings, startExpressApp, startHonoApp, startKoaApp } from './framework-apps.js';

const FRAMEWORKS = { koa: startKoaApp, express: startExpressApp, hono: startHonoApp };
type Framework = keyof typeof FRAMEWORKS;

describe('the RP kit in Koa, Express and Hono (real Gatehouse, real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let actorToken: string;
  let bob: string;
  let aliceId: string;
  const ports = {} as Record<Framework, number>;
  const apps: FrameworkApp[] = [];

  before(async () => {
    for (const name of Object.keys(FRAMEWORKS) as Framework[]) ports[name] = await freePort();
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        const acme = raw.tenants.find((t: { id: string }) => t.id === 'acme');
        for (const port of Object.values(ports)) acme.domains.push(`http://127.0.0.1:${port}`);
      },
    });
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const authenticator = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
    actorToken = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
    aliceId = (await gh.gatehouse.services.accounts.admins.findByEmail('alice@gatehouse.test'))!.id;
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await gh?.stop();
    await redis?.stop();
  });

  async function mint(origin: string, reason: string): Promise<string> {
    const res = await tokenRequest(gh.issuer, 'support-console', mintFields(actorToken, bob, { audience: origin, reason }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token;
  }

  for (const name of Object.keys(FRAMEWORKS) as Framework[]) {
    it(`${name}: redeems a real ticket, exposes user and admin, guards, refuses the replay, stops`, async () => {
      const origin = `http://127.0.0.1:${ports[name]}`;
      const kit: KitSettings = { issuer: gh.issuer, clientId: 'acme-app', clientSecret: SECRETS['acme-app']!, origin, port: ports[name] };
      apps.push(await FRAMEWORKS[name](kit));
      const reason = `ZD-${name}: customer cannot see invoices`;
      const ticket = await mint(origin, reason);
      const browser = new HttpAgent();

      const redeemed = await browser.postForm(`${origin}/impersonate`, { ticket });
      assert.equal(redeemed.status, 303, await redeemed.clone().text());
      assert.equal(redeemed.headers.get('location'), '/');
      assert.equal(redeemed.headers.get('cache-control'), 'no-store');
      assert.match(redeemed.headers.getSetCookie().join('\n'), /gh_imp=.*HttpOnly/i);

      const state = (await (await browser.fetch(`${origin}/whoami`)).json()) as Record<string, any>;
      assert.deepEqual(state.currentUser, { profile: `${name} profile of ${bob}`, sub: bob, impersonated: true });
      assert.deepEqual(state.trueUser, { sub: aliceId, isAdmin: true });
      assert.equal(state.impersonation.actor, aliceId);
      assert.equal(state.impersonation.actorDisplay, 'Alice Admin (support)', 'the name people know, for the banner');
      assert.equal(state.impersonation.reason, reason);
      assert.equal(state.impersonation.accessToken, '(present)');
      const { sid } = state.impersonation;

      const guarded = await browser.fetch(`${origin}/danger`, { method: 'POST', headers: { accept: 'application/json' } });
      assert.equal(guarded.status, 403);
      assert.equal(((await guarded.json()) as { error: string }).error, 'forbidden_while_impersonating');
      const guardedPage = await browser.fetch(`${origin}/danger`, { method: 'POST', headers: { accept: 'text/html' } });
      assert.equal(guardedPage.status, 403);
      assert.match(await guardedPage.text(), /not available while a support agent is signed in/);

      const stopped = await browser.postForm(`${origin}/impersonate/stop`, {});
      assert.equal(stopped.status, 303);
      assert.doesNotMatch(browser.cookieHeader(), /gh_imp=/, 'the cookie is cleared');
      const after = (await (await browser.fetch(`${origin}/whoami`)).json()) as Record<string, unknown>;
      assert.equal(after.impersonation, null);
      const session = await findSession(gh.gatehouse.services.store, sid);
      assert.equal(session?.endReason, 'revoked', 'the stop revoked the session at Gatehouse');

      const replay = await new HttpAgent().postForm(`${origin}/impersonate`, { ticket });
      assert.equal(replay.status, 400);
      assert.match(await replay.text(), /already been used or has expired/);
    });
  }

  it('a tampered or foreign cookie is no impersonation in any framework', async () => {
    for (const name of ['express', 'hono'] as const) {
      const origin = `http://127.0.0.1:${ports[name]}`;
      const ticket = await mint(origin, `ZD-${name}: tamper check`);
      const browser = new HttpAgent();
      assert.equal((await browser.postForm(`${origin}/impersonate`, { ticket })).status, 303);
      const cookie = /gh_imp=([^;]*)/.exec(browser.cookieHeader())?.[1] ?? '';
      const [token = '', signature = ''] = [cookie.slice(0, cookie.lastIndexOf('.')), cookie.slice(cookie.lastIndexOf('.') + 1)];
      const forged = `${token}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      for (const value of [forged, token]) {
        const res = await fetch(`${origin}/whoami`, { headers: { cookie: `gh_imp=${value}` } });
        assert.equal(((await res.json()) as { impersonation: unknown }).impersonation, null, `${name}: ${value.slice(-12)}`);
      }
    }
  });
});
