/**
 * What a request cannot forge (PROTOCOL §10.4, §10.5; issue 8 rows 3, 8, 9), over HTTP
 * against a real Gatehouse on a real redis-server:
 * - `trustProxy` is the number of proxy hops believed: a client's own X-Forwarded-For
 *   entries change neither the per-IP login limit's key nor the IP in audit events;
 * - discovery, redirects and `redeem_uri` come from GATEHOUSE_ISSUER and config, never
 *   from the request's Host (or an absolute request target); discovery and JWKS say how
 *   long they may be cached;
 * - with NODE_ENV=production every cookie is Secure, even over the plain HTTP hop behind
 *   a TLS-terminating load balancer.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApp, type GatehouseApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { csrfOf, signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { testKeys, type TestGatehouse } from '../helpers/gatehouse.js';
import { LogCapture } from '../helpers/log-capture.js';
import { freePort } from '../helpers/ports.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ACME, mintFields, startExchangeGatehouse, userId } from '../exchange/setup.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP/1.1 request with any Host and request target (fetch would not send a forged Host). */
function raw(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end(options.body);
  });
}

const cookiesOf = (res: RawResponse) => (res.headers['set-cookie'] as string[] | undefined) ?? [];
const cookieJar = (res: RawResponse) => cookiesOf(res).map((c) => c.split(';')[0]).join('; ');
const PROXY_SAW = '203.0.113.7';

describe('proxies: trustProxy is a number of hops (real Redis)', () => {
  let redis: RedisServer;
  let hop: TestGatehouse;
  let direct: TestGatehouse;

  /** One /account sign-in attempt with the given X-Forwarded-For; its status. */
  async function accountLogin(gh: TestGatehouse, xff: string, email: string, password = 'wrong-password') {
    const page = await raw(gh.port, { path: '/account', headers: { host: `localhost:${gh.port}`, 'x-forwarded-for': xff } });
    const res = await raw(gh.port, {
      method: 'POST',
      path: '/account/login',
      headers: { host: `localhost:${gh.port}`, 'x-forwarded-for': xff, cookie: cookieJar(page), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrfOf(page.body), tenant: 'acme', email, password }).toString(),
    });
    return res.status;
  }

  before(async () => {
    redis = await startRedisServer();
    const limits = (raw: Record<string, unknown>) => {
      (raw.policy as Record<string, unknown>).rateLimits = { loginPerIp: { points: 5, duration: 900 }, loginPerAccount: { points: 1000, duration: 900 } };
    };
    hop = await startExchangeGatehouse({ redisUrl: redis.url, configure: (r) => { limits(r); r.trustProxy = 1; } });
    direct = await startExchangeGatehouse({ redisUrl: redis.url, configure: limits });
  });
  after(async () => {
    await hop?.stop();
    await direct?.stop();
    await redis?.stop();
  });

  it('behind one trusted hop, rotating the client-written X-Forwarded-For entries does not escape the per-IP limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await accountLogin(hop, `10.9.${i}.${i}, ${PROXY_SAW}`, `nobody${i}@acme.test`));
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.deepEqual(statuses.slice(5), Array(7).fill(429), 'the proxy saw one client: one budget');
  });

  it('behind one trusted hop, the audited IP is the one the proxy saw, not one the client wrote', async () => {
    assert.equal(await accountLogin(hop, `6.6.6.6, ${PROXY_SAW.replace(/7$/, '8')}`, 'carol@acme.test', 'carol-demo-pass'), 303);
    const event = (await hop.gatehouse.services.audit.list({ type: 'user.login' }, { limit: 1 })).events[0];
    assert.equal(event?.ip, '203.0.113.8');
  });

  it('with trustProxy 0 (the default), X-Forwarded-For is ignored for limits and audit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await accountLogin(direct, `10.8.${i}.1`, `someone${i}@acme.test`));
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    await direct.gatehouse.services.limiters.loginPerIp.reset('127.0.0.1');
    await direct.gatehouse.services.limiters.loginPerIp.reset('::ffff:127.0.0.1');
    assert.equal(await accountLogin(direct, '6.6.6.6', 'carol@acme.test', 'carol-demo-pass'), 303);
    const event = (await direct.gatehouse.services.audit.list({ type: 'user.login' }, { limit: 1 })).events[0];
    assert.match(event?.ip ?? '', /127\.0\.0\.1$/);
  });

  it('config: a hop count; the old `true` is refused with a message saying what to write, `false` means 0', () => {
    const minimal = { cookieKeys: ['a-cookie-key-for-tests'] };
    assert.equal(parseConfig({ ...minimal, trustProxy: 2 }, {}).trustProxy, 2);
    assert.equal(parseConfig({ ...minimal, trustProxy: false }, {}).trustProxy, 0);
    assert.throws(() => parseConfig({ ...minimal, trustProxy: true }, {}), /trustProxy: .*number of proxy hops.*e\.g\. 1/);
    assert.throws(() => parseConfig({ ...minimal, trustProxy: -1 }, {}), /trustProxy/);
    const example = JSON.parse(readFileSync(resolve('config/gatehouse.example.json'), 'utf8'));
    assert.equal(example.trustProxy, 1, 'the example production config trusts exactly one hop');
  });
});

describe('published URLs come from GATEHOUSE_ISSUER, never from Host (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  const evil = { host: 'evil.example' };

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({ redisUrl: redis.url });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('discovery with Host: evil.example, X-Forwarded-Host or an absolute request target names only the issuer; it and JWKS carry Cache-Control', async () => {
    for (const [path, headers] of [
      ['/.well-known/openid-configuration', evil],
      ['/.well-known/oauth-authorization-server', evil],
      ['/.well-known/openid-configuration', { host: `localhost:${gh.port}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }],
      ['http://evil.example/.well-known/openid-configuration', evil],
    ] as const) {
      const res = await raw(gh.port, { path, headers });
      assert.equal(res.status, 200, path);
      assert.doesNotMatch(res.body, /evil\.example/, `${path} ${JSON.stringify(headers)}`);
      const doc = JSON.parse(res.body) as Record<string, unknown>;
      for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'introspection_endpoint', 'end_session_endpoint']) {
        if (doc[key] !== undefined) assert.ok(String(doc[key]).startsWith(`${gh.issuer}/`), `${key}: ${doc[key]}`);
      }
      assert.match(String(res.headers['cache-control']), /^public, max-age=\d+$/, path);
    }
    const jwks = await raw(gh.port, { path: '/jwks', headers: evil });
    assert.equal(jwks.status, 200);
    assert.match(String(jwks.headers['cache-control']), /^public, max-age=\d+$/);
  });

  it('no redirect or page of a sign-in with Host: evil.example names evil.example', async () => {
    const client = 'acme-app';
    const query = new URLSearchParams({
      client_id: client,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${ACME}/callback`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    let jar = '';
    const seen: string[] = [];
    const send = async (options: { method?: string; path: string; body?: string }) => {
      const res = await raw(gh.port, {
        ...options,
        headers: { ...evil, cookie: jar, ...(options.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      const set = cookiesOf(res).map((c) => c.split(';')[0]!);
      const map = new Map(jar ? jar.split('; ').map((p) => [p.split('=')[0]!, p] as const) : []);
      for (const c of set) map.set(c.split('=')[0]!, c);
      jar = [...map.values()].join('; ');
      seen.push(`${res.headers.location ?? ''} ${res.body}`);
      return res;
    };
    const auth = await send({ path: `/auth?${query}` });
    assert.equal(auth.status, 303);
    const page = await send({ path: new URL(String(auth.headers.location), gh.issuer).pathname });
    assert.equal(page.status, 200);
    const login = await send({
      method: 'POST',
      path: `${new URL(String(auth.headers.location), gh.issuer).pathname}/login`,
      body: new URLSearchParams({ csrf: csrfOf(page.body), email: 'bob@acme.test', password: 'bob-demo-pass' }).toString(),
    });
    assert.equal(login.status, 303);
    assert.ok(String(login.headers.location).startsWith(`${gh.issuer}/`), `resume at the issuer: ${login.headers.location}`);
    const resumed = await send({ path: new URL(String(login.headers.location)).pathname });
    assert.ok([302, 303].includes(resumed.status));
    for (const s of seen) assert.doesNotMatch(s, /evil\.example/);
    const consoleLogin = await raw(gh.port, { path: '/admin/login', headers: evil });
    assert.ok(String(consoleLogin.headers.location).startsWith(`${gh.issuer}/auth?`), String(consoleLogin.headers.location));
  });

  it('redeem_uri comes from the tenant\'s configured domain whatever the Host', async () => {
    const key = new SoftwareAuthenticator();
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key, 'key');
    const actor = (await stepUp(gh.issuer, agent, key)).accessToken;
    const bob = await userId(gh, 'acme', 'bob@acme.test');
    const res = await raw(gh.port, {
      method: 'POST',
      path: '/token',
      headers: { ...evil, 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('support-console:dev-console-secret').toString('base64')}` },
      body: new URLSearchParams(mintFields(actor, bob) as Record<string, string>).toString(),
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).redeem_uri, `${ACME}/impersonate`);
  });
});

describe('cookies are Secure whenever NODE_ENV=production (TLS offloaded, plain HTTP hop, trustProxy 0)', () => {
  let redis: RedisServer;
  let gatehouse: GatehouseApp;
  let server: Server;
  let port: number;
  const issuer = 'https://id.example.com';

  before(async () => {
    redis = await startRedisServer();
    port = await freePort();
    const example = JSON.parse(readFileSync(resolve('config/gatehouse.example.json'), 'utf8'));
    delete example.trustProxy; // the default: no proxy hop believed
    example.storePrefix = `prod${process.pid}`;
    example.policy.argon2 = { memoryCost: 8192, timeCost: 1, parallelism: 1 };
    const config = parseConfig(example, {
      NODE_ENV: 'production',
      GATEHOUSE_ISSUER: issuer,
      REDIS_URL: redis.url,
      GATEHOUSE_KEYS: await testKeys(),
      GATEHOUSE_COOKIE_KEY: 'k9V3q7ZfX2mW8rT1yL5pN0bH4cJ6dG',
      GATEHOUSE_CONSOLE_CLIENT_SECRET: 'Qm4Tz8Lr2Vx6Np0Kc5Hs9Jd3Fw7Gb1Y',
      ACME_CLIENT_SECRET: 'w3Rt7Yu1Io5Pa9Sd2Fg6Hj0Kl4Zx8Cv',
      GLOBEX_CLIENT_SECRET: 'B6nM2qW8eR4tY0uI5oP1aS7dF3gH9jK',
      GATEHOUSE_WEBHOOK_SECRET: 'L8kJ4hG0fD6sA2pO9iU5yT1rE7wQ3zX',
    });
    gatehouse = await createApp(config, { logger: createLogger('warn', new LogCapture()) });
    await gatehouse.services.accounts.users.create({ tenant: 'acme', email: 'pat@acme.example', name: 'Pat', password: 'pat-long-password' });
    server = gatehouse.app.listen(port, '127.0.0.1');
    await new Promise<void>((res) => server.once('listening', res));
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
    await gatehouse?.close();
    await redis?.stop();
  });

  const host = { host: 'id.example.com' };
  const assertSecure = (res: RawResponse, where: string) => {
    const set = cookiesOf(res);
    assert.ok(set.length > 0, `${where} sets cookies`);
    for (const c of set) assert.match(c, /;\s*secure/i, `${where}: ${c.split('=')[0]} is Secure`);
  };

  it('CSRF, account session, console session and the provider\'s interaction cookies', async () => {
    const page = await raw(port, { path: '/account', headers: host });
    assertSecure(page, 'GET /account (CSRF)');
    const login = await raw(port, {
      method: 'POST',
      path: '/account/login',
      headers: { ...host, cookie: cookieJar(page), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrfOf(page.body), tenant: 'acme', email: 'pat@acme.example', password: 'pat-long-password' }).toString(),
    });
    assert.equal(login.status, 303, login.body);
    assertSecure(login, 'POST /account/login (account session)');
    const consoleLogin = await raw(port, { path: '/admin/login', headers: host });
    assertSecure(consoleLogin, 'GET /admin/login (console session)');
    const auth = await raw(port, { path: new URL(String(consoleLogin.headers.location)).pathname + new URL(String(consoleLogin.headers.location)).search, headers: host });
    assert.equal(auth.status, 303, auth.body);
    assertSecure(auth, 'GET /auth (interaction cookies)');
  });
});
