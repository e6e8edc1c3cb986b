/**
 * Sessions that end everywhere at once, and what support did, through the RP kit in Koa,
 * Express and Hono against a real Gatehouse on a real redis-server (PROTOCOL §8):
 *
 * - while impersonating, each app reports its requests (method, path, route, status, time,
 *   blocked) to Gatehouse, and Stop sends what is queued before it revokes;
 * - back-channel logout tokens that are forged (bad signature), for another client (wrong
 *   `aud`), of the wrong type, carrying a nonce or lacking the logout event are refused, and
 *   the impersonation stays;
 * - when bob ends the session on /account, Gatehouse delivers a real logout token (through its
 *   durable queue) and the app drops the session at its next request, with `recheckSeconds` an
 *   hour, so introspection has no part in it; the same token posted again is a replay, refused.
 *
 * Each app is its own tenant client of acme, whose `backchannelLogoutUri` goes through a small
 * recording relay in front of the app, so the test holds the token Gatehouse really sent.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { importJWK, type JWK, SignJWT } from 'jose';
import { listActivity } from '../../src/activity/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { testKeys, type TestGatehouse } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { freePort } from '../helpers/ports.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { mintFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import { type FrameworkApp, type KitSettings, startExpressApp, startHonoApp, startKoaApp } from './framework-apps.js';

const FRAMEWORKS = { koa: startKoaApp, express: startExpressApp, hono: startHonoApp };
type Framework = keyof typeof FRAMEWORKS;
const LOGOUT_PATH = '/impersonate/backchannel-logout';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('back-channel logout and activity through the RP kit (Koa, Express, Hono; real Gatehouse, real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let relay: Server;
  let actorToken: string;
  let bob: string;
  const ports = {} as Record<Framework, number>;
  /** Two processes of one app (one origin) for the shared-store test. */
  const pair: number[] = [];
  const apps: FrameworkApp[] = [];
  /** Logout tokens Gatehouse delivered, per framework, as the relay saw them. */
  const delivered: Record<string, string[]> = {};

  const clientOf = (name: Framework) => `${name}-app`;
  const secretOf = (name: Framework) => `dev-${name}-secret`;

  /** A logout token signed with Gatehouse's real RS256 key, with whatever claims and header the attack needs. */
  async function signed(claims: Record<string, unknown>, typ = 'logout+jwt'): Promise<string> {
    const jwk = ((JSON.parse(await testKeys()) as { keys: JWK[] }).keys).find((k) => k.alg === 'RS256')!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ events: { [EVENT]: {} }, jti: crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ })
      .setIssuer(gh.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .sign(await importJWK(jwk, 'RS256'));
  }

  const postLogout = (origin: string, token: string) =>
    fetch(`${origin}${LOGOUT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }) });

  before(async () => {
    for (const name of Object.keys(FRAMEWORKS) as Framework[]) ports[name] = await freePort();
    pair.push(await freePort(), await freePort(), await freePort());
    const relayPort = await freePort();
    // The relay keeps each logout token Gatehouse sends and passes it on to the app.
    relay = createServer((req, res) => {
      const name = (req.url ?? '').slice(1) as Framework;
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        delivered[name] = [...(delivered[name] ?? []), new URLSearchParams(body).get('logout_token') ?? ''];
        const out = request({ host: '127.0.0.1', port: ports[name], path: LOGOUT_PATH, method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' } }, (answer) => {
          res.writeHead(answer.statusCode ?? 502);
          answer.pipe(res);
        });
        out.on('error', () => res.writeHead(502).end());
        out.end(body);
      });
    }).listen(relayPort, '127.0.0.1');
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        const acme = raw.tenants.find((t: { id: string }) => t.id === 'acme');
        // A tenant client's back-channel URI is on one of its tenant's domains (PROTOCOL §11): the relay's too.
        acme.domains.push(`http://127.0.0.1:${pair[0]}`, `http://127.0.0.1:${relayPort}`);
        raw.clients.push({
          clientId: 'pair-app',
          clientSecret: 'dev-pair-secret',
          role: 'tenant',
          tenant: 'acme',
          grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'],
          backchannelLogoutUri: `http://127.0.0.1:${pair[0]}${LOGOUT_PATH}`,
        });
        for (const name of Object.keys(FRAMEWORKS) as Framework[]) {
          acme.domains.push(`http://127.0.0.1:${ports[name]}`);
          raw.clients.push({
            clientId: clientOf(name),
            clientSecret: secretOf(name),
            role: 'tenant',
            tenant: 'acme',
            grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'],
            backchannelLogoutUri: `http://127.0.0.1:${relayPort}/${name}`,
          });
        }
      },
    });
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const authenticator = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
    actorToken = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await gh?.stop();
    await redis?.stop();
    relay?.close();
  });

  it('discovery advertises back-channel logout with sessions', async () => {
    const discovery = (await (await fetch(`${gh.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(discovery.backchannel_logout_supported, true);
    assert.equal(discovery.backchannel_logout_session_supported, true);
  });

  for (const name of Object.keys(FRAMEWORKS) as Framework[]) {
    it(`${name}: records what support did, refuses forged logout tokens, drops the session when bob ends it, refuses the replay`, async () => {
      const origin = `http://127.0.0.1:${ports[name]}`;
      const events: string[] = [];
      const kit: KitSettings = {
        issuer: gh.issuer,
        clientId: clientOf(name),
        clientSecret: secretOf(name),
        origin,
        port: ports[name],
        // An hour: only the back-channel logout can end the session within this test.
        recheckSeconds: 3600,
        activityFlushSeconds: 0.2,
        onEvent: (event) => events.push(event.type),
      };
      apps.push(await FRAMEWORKS[name](kit));
      const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actorToken, bob, { audience: origin, reason: `ZD-${name}` }));
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      const browser = new HttpAgent();
      assert.equal((await browser.postForm(`${origin}/impersonate`, { ticket: minted.body.access_token })).status, 303);
      const whoami = async () => (await (await browser.fetch(`${origin}/whoami`)).json()) as { impersonation: { sid: string } | null };
      const { sid } = (await whoami()).impersonation!;

      // What support did: one page, one guarded action; the kit reports both (and /whoami).
      assert.equal((await browser.fetch(`${origin}/invoices/INV-7?download=1`)).status, 200);
      assert.equal((await browser.postForm(`${origin}/danger`, {})).status, 403);
      const recorded = await until(async () => {
        const { entries } = await listActivity(gh.gatehouse.services.store, sid, 100);
        return entries.some((e) => e.path === '/danger') ? entries : undefined;
      }, 'the activity report');
      const invoice = recorded.find((e) => e.path === '/invoices/INV-7');
      assert.ok(invoice, JSON.stringify(recorded));
      assert.equal(invoice.method, 'GET');
      assert.equal(invoice.status, 200);
      assert.equal(invoice.blocked, false);
      if (name !== 'hono') assert.equal(invoice.route, '/invoices/:id', 'the route the framework matched');
      const danger = recorded.find((e) => e.path === '/danger')!;
      assert.deepEqual([danger.method, danger.status, danger.blocked], ['POST', 403, true]);
      assert.ok(!recorded.some((e) => e.path.includes('?') || e.path === '/impersonate'), 'no query string, no kit route');

      // Forged, misdirected or malformed logout tokens: refused (400), and the session stays.
      const valid = { sid, sub: bob, aud: clientOf(name) };
      const forgedSignature = (await signed(valid)).replace(/\.([^.]{10})([^.])([^.]*)$/, (_m, a, b, c) => `.${a}${b === 'A' ? 'B' : 'A'}${c}`);
      const attacks: [string, string, RegExp][] = [
        ['bad signature', forgedSignature, /signature/],
        ['wrong aud', await signed({ ...valid, aud: 'globex-app' }), /aud/],
        ['wrong typ', await signed(valid, 'at+jwt'), /typ/],
        ['a nonce', await signed({ ...valid, nonce: 'n-0S6_WzA2Mj' }), /nonce/],
        ['no logout event', await signed({ ...valid, events: { 'http://schemas.openid.net/event/other': {} } }), /events/],
      ];
      for (const [attack, token, description] of attacks) {
        const res = await postLogout(origin, token);
        assert.equal(res.status, 400, attack);
        const body = (await res.json()) as { error: string; error_description: string };
        assert.equal(body.error, 'invalid_request', attack);
        assert.match(body.error_description, description, attack);
      }
      assert.equal((await whoami()).impersonation?.sid, sid, 'no forged token ended the session');

      // Bob ends it on /account: Gatehouse sends the logout token; the next request has no impersonation.
      const account = new HttpAgent();
      const signin = await (await account.fetch(`${gh.issuer}/account`)).text();
      await account.postForm(`${gh.issuer}/account/login`, { csrf: formFields(signin).csrf ?? '', tenant: 'acme', email: 'bob@acme.test', password: 'bob-demo-pass' });
      const home = await (await account.fetch(`${gh.issuer}/account`)).text();
      assert.match(home, /tried POST \/danger — blocked/);
      const ended = await account.postForm(`${gh.issuer}/account/support-access/sessions/${sid}/end`, { csrf: formFields(home).csrf ?? '' });
      assert.equal(ended.status, 303);
      const token = await until(() => delivered[name]?.[0], 'the logout token');
      await until(() => (events.includes('logged_out') ? true : undefined), 'the app to accept the logout');
      assert.equal((await whoami()).impersonation, null, 'dropped at the next request');

      // The token Gatehouse sent: typ logout+jwt, aud this client, the session's sid, bob's sub.
      const [header, claims] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      assert.equal(header.typ, 'logout+jwt');
      assert.equal(claims.aud, clientOf(name));
      assert.equal(claims.sid, sid);
      assert.equal(claims.sub, bob);
      assert.equal(claims.iss, gh.issuer);
      assert.deepEqual(claims.events, { [EVENT]: {} });
      assert.equal(claims.nonce, undefined);

      // The same token again: a replayed jti.
      const replay = await postLogout(origin, token);
      assert.equal(replay.status, 400);
      assert.match(((await replay.json()) as { error_description: string }).error_description, /already used/);
    });
  }

  it('Stop sends the queued activity before it revokes, so the ended event counts it', async () => {
    const origin = `http://127.0.0.1:${ports.koa}`;
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actorToken, bob, { audience: origin, reason: 'ZD-stop' }));
    const browser = new HttpAgent();
    await browser.postForm(`${origin}/impersonate`, { ticket: minted.body.access_token });
    const { sid } = ((await (await browser.fetch(`${origin}/whoami`)).json()) as { impersonation: { sid: string } }).impersonation;
    await browser.fetch(`${origin}/invoices/INV-8`);
    // Straight to Stop: the flush timer has not fired yet, the stop route sends first.
    assert.equal((await browser.postForm(`${origin}/impersonate/stop`, {})).status, 303);
    const { entries } = await listActivity(gh.gatehouse.services.store, sid, 100);
    assert.deepEqual(entries.map((e) => e.path), ['/whoami', '/invoices/INV-8']);
    const page = await gh.gatehouse.services.audit.list({ type: 'impersonation.ended' }, { limit: 1 });
    assert.equal(page.events[0]?.sid, sid);
    assert.equal(page.events[0]?.details?.activity, 2);
  });

  it('with endedSessions shared, every process of the app drops the session, not only the one the logout reached', async () => {
    const origin = `http://127.0.0.1:${pair[0]}`;
    const ended = new Map<string, number>(); // stands in for the app's Redis
    const shared = { add: (sid: string, until: number) => void ended.set(sid, until), has: (sid: string) => ended.has(sid) };
    const events: string[] = [];
    const base = { issuer: gh.issuer, clientId: 'pair-app', clientSecret: 'dev-pair-secret', origin, recheckSeconds: 3600, onEvent: (e: { type: string }) => events.push(e.type) };
    // Two processes behind one origin; a third without the store is the control.
    apps.push(await startKoaApp({ ...base, port: pair[0]!, endedSessions: shared }));
    apps.push(await startKoaApp({ ...base, port: pair[1]!, endedSessions: shared }));
    apps.push(await startKoaApp({ ...base, port: pair[2]! }));
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actorToken, bob, { audience: origin, reason: 'ZD-pair' }));
    const browser = new HttpAgent();
    assert.equal((await browser.postForm(`${origin}/impersonate`, { ticket: minted.body.access_token })).status, 303);
    const whoamiAt = async (port: number) =>
      ((await (await browser.fetch(`http://127.0.0.1:${port}/whoami`)).json()) as { impersonation: { sid: string } | null }).impersonation;
    const { sid } = (await whoamiAt(pair[1]!))!;
    // Every process has seen it live (and so will not introspect again within the hour).
    assert.equal((await whoamiAt(pair[2]!))?.sid, sid);
    // The console ends it; the logout token reaches the first process only.
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const sessions = await (await agent.fetch(`${gh.issuer}/admin/sessions`)).text();
    const res = await agent.postForm(`${gh.issuer}/admin/sessions/${sid}/end`, { csrf: formFields(sessions).csrf ?? '' });
    assert.equal(res.status, 303);
    await until(() => (ended.has(sid) ? true : undefined), 'the logout at the first process');
    // Without the store a process only learns of it at its next re-check (an hour here).
    // (Asked first: the browser's cookie is one for the origin, and a process that drops the
    // session clears it.)
    assert.equal((await whoamiAt(pair[2]!))?.sid, sid, 'the control without endedSessions still has it');
    assert.equal(await whoamiAt(pair[1]!), null, 'the second process dropped it too');
    assert.ok(events.includes('logged_out'));
  });
});
