/**
 * What support did (PROTOCOL §7, §8) over HTTP against a real Gatehouse on a real
 * redis-server: the tenant client that redeemed a session reports its activity in batches
 * (`POST /impersonation/activity`, client_secret_basic); another tenant's client, another
 * client of the same tenant, the console and a wrong secret are refused, as is any report
 * once the session has ended, and reports past the per-batch and per-session limits. The
 * session's `impersonation.ended` event counts what was recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listActivity } from '../../src/activity/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { basic, lastEvent, mintFields, redeemFields, SECRETS, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';

const PER_SESSION = 100;

describe('activity reports (real Gatehouse, real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let actor: string;
  let bob: string;
  let consoleAgent: HttpAgent;

  /** A fresh impersonation of bob at acme, redeemed by acme-app: its token and sid. */
  async function impersonate(): Promise<{ token: string; sid: string }> {
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const redeemed = await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const token = redeemed.body.access_token as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { impersonation: { sid: string } };
    return { token, sid: claims.impersonation.sid };
  }

  /** POST /impersonation/activity; `auth` is a client id (its real secret), a header, or null. */
  async function report(auth: string | null, body: unknown, init: { contentType?: string; raw?: string } = {}) {
    const authorization = auth === null ? undefined : auth.startsWith('Basic ') ? auth : basic(auth);
    const res = await fetch(`${gh.issuer}/impersonation/activity`, {
      method: 'POST',
      headers: { 'content-type': init.contentType ?? 'application/json', ...(authorization ? { authorization } : {}) },
      body: init.raw ?? JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  }

  const entry = (path: string, extra: Record<string, unknown> = {}) => ({ method: 'GET', path, status: 200, at: Date.now(), blocked: false, ...extra });
  const recorded = async (sid: string) => (await listActivity(gh.gatehouse.services.store, sid, 1000)).total;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.policy.activityPerSession = PER_SESSION;
      },
    });
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    consoleAgent = agent;
    const authenticator = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
    actor = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('the client that redeemed the session records a batch, and the discovery document names the endpoint', async () => {
    const discovery = (await (await fetch(`${gh.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(discovery.impersonation_activity_endpoint, `${gh.issuer}/impersonation/activity`);
    const { sid } = await impersonate();
    const res = await report('acme-app', {
      sid,
      activity: [entry('/invoices'), entry('/payment', { method: 'POST', status: 403, blocked: true, route: '/payment' })],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { recorded: 2, total: 2 });
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { entries } = await listActivity(gh.gatehouse.services.store, sid, 10);
    assert.deepEqual(
      entries.map((e) => [e.method, e.path, e.route, e.status, e.blocked]),
      [
        ['GET', '/invoices', undefined, 200, false],
        ['POST', '/payment', '/payment', 403, true],
      ],
    );
  });

  it('bob reads what support did on /account, and the console shows it beside the session', async () => {
    const { sid } = await impersonate();
    const at = Date.now();
    const report1 = await report('acme-app', {
      sid,
      activity: [entry('/invoices', { at }), entry('/payment', { method: 'POST', status: 403, blocked: true, at: at + 1000 })],
    });
    assert.equal(report1.status, 200);
    const agent = new HttpAgent();
    const signin = await (await agent.fetch(`${gh.issuer}/account`)).text();
    const res = await agent.postForm(`${gh.issuer}/account/login`, { csrf: formFields(signin).csrf ?? '', tenant: 'acme', email: 'bob@acme.test', password: 'bob-demo-pass' });
    assert.equal(res.status, 303);
    const account = await (await agent.fetch(`${gh.issuer}/account`)).text();
    const row = new RegExp(`<tr data-sid="${sid}">[\\s\\S]*?</tr>`).exec(account)?.[0] ?? '';
    assert.match(row, /2 requests in the app/);
    assert.match(row, /viewed \/invoices[\s\S]*<li class="blocked">.*tried POST \/payment — blocked/);
    const sessions = await (await consoleAgent.fetch(`${gh.issuer}/admin/sessions`)).text();
    const consoleRow = new RegExp(`<tr data-sid="${sid}"[\\s\\S]*?</tr>`).exec(sessions)?.[0] ?? '';
    assert.match(consoleRow, /viewed \/invoices[\s\S]*tried POST \/payment — blocked/);
  });

  it("another tenant's client, another client of the same tenant and the console are refused alike, and nothing is recorded", async () => {
    const { sid } = await impersonate();
    const unknown = await report('acme-app', { sid: 'imp_doesnotexist', activity: [entry('/x')] });
    assert.equal(unknown.status, 400);
    for (const client of ['globex-app', 'plain-app', 'initech-app']) {
      const res = await report(client, { sid, activity: [entry('/settings')] });
      assert.equal(res.status, 400, client);
      // The same answer as for a session that does not exist: nothing tells whose it is.
      assert.deepEqual(res.body, unknown.body, client);
    }
    assert.equal(unknown.body.error, 'invalid_request');
    const console = await report('support-console', { sid, activity: [entry('/settings')] });
    assert.equal(console.status, 400);
    assert.equal(console.body.error, 'unauthorized_client');
    const wrongSecret = await report(`Basic ${Buffer.from('acme-app:not-the-secret').toString('base64')}`, { sid, activity: [entry('/x')] });
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
    assert.match(wrongSecret.headers.get('www-authenticate') ?? '', /^Basic /);
    const none = await report(null, { sid, activity: [entry('/x')] });
    assert.equal(none.status, 401);
    assert.equal(await recorded(sid), 0);
  });

  it('a report after the session ended is refused, even from the client that redeemed it', async () => {
    const { token, sid } = await impersonate();
    assert.equal((await report('acme-app', { sid, activity: [entry('/before')] })).status, 200);
    const revoked = await fetch(`${gh.issuer}/token/revocation`, {
      method: 'POST',
      headers: { authorization: basic('acme-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    assert.equal(revoked.status, 200);
    const after = await report('acme-app', { sid, activity: [entry('/after')] });
    assert.equal(after.status, 400);
    assert.equal(after.body.error, 'invalid_request');
    assert.match(after.body.error_description, /has ended/);
    assert.equal(await recorded(sid), 1);
  });

  it("the ended session's audit event counts its activity", async () => {
    const { token, sid } = await impersonate();
    assert.equal((await report('acme-app', { sid, activity: [entry('/a'), entry('/b'), entry('/c')] })).status, 200);
    await fetch(`${gh.issuer}/token/revocation`, {
      method: 'POST',
      headers: { authorization: basic('acme-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    const ended = await lastEvent(gh, 'impersonation.ended');
    assert.equal(ended?.sid, sid);
    assert.equal(ended?.details?.activity, 3);
  });

  it('limits: per batch, per session (atomic), body size; malformed reports get clear 4xx answers', async () => {
    const { sid } = await impersonate();
    const perBatch = gh.config.policy.activityPerBatch;
    const big = await report('acme-app', { sid, activity: Array.from({ length: perBatch + 1 }, (_, i) => entry(`/p${i}`)) });
    assert.equal(big.status, 400);
    assert.match(big.body.error_description, new RegExp(`at most ${perBatch} entries`));
    // Ten concurrent batches of 15 against a cap of 100: six fit, four are refused whole.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, b) => report('acme-app', { sid, activity: Array.from({ length: 15 }, (_, i) => entry(`/b${b}/${i}`)) })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 6);
    for (const refused of results.filter((r) => r.status !== 200)) {
      assert.equal(refused.status, 400);
      assert.match(refused.body.error_description, /activity record holds 90 of at most 100 entries/);
    }
    assert.equal(await recorded(sid), 90);

    const huge = await report('acme-app', null, { raw: JSON.stringify({ sid, activity: [entry(`/${'x'.repeat(400_000)}`)] }) });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error, 'invalid_request');
    const cases: [string, { status: number; match: RegExp; raw?: string; contentType?: string; body?: unknown }][] = [
      ['not JSON', { status: 400, match: /not valid JSON/, raw: '{"sid":' }],
      ['a form', { status: 415, match: /application\/json/, raw: 'sid=x', contentType: 'application/x-www-form-urlencoded' }],
      ['no entries', { status: 400, match: /non-empty array/, body: { sid, activity: [] } }],
      ['a query string', { status: 400, match: /activity\[0\]: path must .* no query/, body: { sid, activity: [entry('/invoices?id=1')] } }],
      ['a body member', { status: 400, match: /unknown member "body"/, body: { sid, activity: [entry('/x', { body: 'secret' })] } }],
      ['a bad status', { status: 400, match: /status must be/, body: { sid, activity: [entry('/x', { status: 99 })] } }],
      ['a time before the session', { status: 400, match: /outside the impersonation session/, body: { sid, activity: [entry('/x', { at: Date.now() - 3_600_000 })] } }],
      ['a time in the future', { status: 400, match: /outside the impersonation session/, body: { sid, activity: [entry('/x', { at: Date.now() + 3_600_000 })] } }],
      ['no sid', { status: 400, match: /sid must be/, body: { activity: [entry('/x')] } }],
    ];
    for (const [name, c] of cases) {
      const res = await report('acme-app', c.body ?? null, { ...(c.raw !== undefined ? { raw: c.raw } : {}), ...(c.contentType ? { contentType: c.contentType } : {}) });
      assert.equal(res.status, c.status, name);
      assert.equal(res.body.error, 'invalid_request', name);
      assert.match(res.body.error_description, c.match, name);
    }
    assert.equal(await recorded(sid), 90, 'nothing of the refused reports was kept');
    const get = await fetch(`${gh.issuer}/impersonation/activity`, { headers: { authorization: basic('acme-app') } });
    assert.equal(get.status, 405);
    assert.ok(SECRETS['acme-app'], 'the secret is known to the test only');
  });
});
