/**
 * The HTTP envelope of every response: request ids, security headers, health and readiness,
 * and logs that never hold a credential (CONVENTIONS "Log with pino"), against a running
 * Gatehouse on a real redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from './helpers/gatehouse.js';
import { HttpAgent } from './helpers/http-agent.js';
import { authorize, discover, login, LoginRefused, oidc } from './helpers/oidc-flow.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { tenantOrigin } from './helpers/ports.js';

const ACME_CB = `${tenantOrigin('acme')}/callback`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('HTTP envelope (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;

  before(async () => {
    redis = await startRedisServer();
    gh = await startGatehouse({ redisUrl: redis.url });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  /** A page of ours, an endpoint of the provider's, a JSON route of ours, a 404. */
  const paths = ['/healthz', '/.well-known/openid-configuration', '/admin', '/interaction/made-up', '/nope'];

  describe('request ids', () => {
    it('keeps a well-formed incoming X-Request-Id, on our routes and the provider’s', async () => {
      for (const path of paths) {
        const id = `req-${path.length}_Ab.9`;
        const res = await fetch(`${gh.issuer}${path}`, { headers: { 'x-request-id': id }, redirect: 'manual' });
        assert.equal(res.headers.get('x-request-id'), id, path);
      }
    });

    it('replaces a malformed or missing one with a fresh UUID', async () => {
      const malformed = ['has spaces', 'a'.repeat(65), '<script>', 'semi;colon', 'ünïcode', 'line\tbreak'];
      for (const id of [...malformed, undefined]) {
        const res = await fetch(`${gh.issuer}/healthz`, { headers: id === undefined ? {} : { 'x-request-id': id } });
        const echoed = res.headers.get('x-request-id') ?? '';
        assert.match(echoed, UUID, `for ${JSON.stringify(id)}: ${echoed}`);
      }
      const a = (await fetch(`${gh.issuer}/healthz`)).headers.get('x-request-id');
      const b = (await fetch(`${gh.issuer}/healthz`)).headers.get('x-request-id');
      assert.notEqual(a, b, 'a new id per request');
    });

    it('puts the request id in the access log line of that request', async () => {
      const id = 'trace-me-0001';
      await fetch(`${gh.issuer}/healthz`, { headers: { 'x-request-id': id } });
      const line = gh.logs.lines.find((l) => l.includes(`"requestId":"${id}"`) && l.includes('"path":"/healthz"'));
      assert.ok(line, 'an access log line with the id');
      assert.equal(JSON.parse(line).status, 200);
    });
  });

  describe('security headers', () => {
    it('every response carries CSP (script-src self, frame-ancestors none), nosniff and no-referrer', async () => {
      for (const path of paths) {
        const res = await fetch(`${gh.issuer}${path}`, { redirect: 'manual' });
        const csp = res.headers.get('content-security-policy') ?? '';
        const directives = new Map(
          csp
            .split(';')
            .map((d) => d.trim().split(/\s+/))
            .filter((d) => d[0])
            .map(([name, ...values]) => [name!, values]),
        );
        assert.deepEqual(directives.get('script-src'), ["'self'"], `${path}: ${csp}`);
        assert.deepEqual(directives.get('frame-ancestors'), ["'none'"], `${path}: ${csp}`);
        assert.deepEqual(directives.get('object-src'), ["'none'"], `${path}: ${csp}`);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
        assert.equal(res.headers.get('x-powered-by'), null, path);
      }
    });

    it('the login page itself: no inline script allowed, framing refused', async () => {
      const acme = await discover(gh.issuer, 'acme-app', 'dev-acme-secret');
      const url = oidc.buildAuthorizationUrl(acme, {
        redirect_uri: ACME_CB,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      const page = await new HttpAgent().follow(url, () => false);
      assert.equal(page.res?.status, 200);
      assert.ok(page.html?.includes('name="password"'), 'the login form');
      const csp = page.res!.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(page.res!.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(page.res!.headers.get('cache-control'), 'no-store');
    });
  });

  describe('health', () => {
    it('/healthz answers 200 without touching the store', async () => {
      const res = await fetch(`${gh.issuer}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
    });

    it('/readyz answers 200 with the store in use (redis) and the number of signing keys', async () => {
      const res = await fetch(`${gh.issuer}/readyz`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { status: string; store: string; keys: number };
      assert.equal(body.status, 'ready');
      assert.equal(body.store, 'redis');
      assert.ok(body.keys >= 1);
    });
  });

  describe('what nothing answers, and the icon', () => {
    it('an unknown path is a 404 page in the layout for a browser, JSON for an API client', async () => {
      for (const path of ['/nope', '/admin/nope', '/account/nope', '/static/nope.js']) {
        const page = await fetch(`${gh.issuer}${path}`, { headers: { accept: 'text/html' } });
        assert.equal(page.status, 404, path);
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
        const html = await page.text();
        assert.match(html, /<title>Page not found · Gatehouse<\/title>/, path);
        assert.match(html, /<link rel="stylesheet" href="\/static\/gatehouse\.css">/);
        assert.match(html, /id="not-found"/);
      }
      const api = await fetch(`${gh.issuer}/nope`, { headers: { accept: 'application/json' } });
      assert.equal(api.status, 404);
      assert.deepEqual(await api.json(), { error: 'invalid_request', error_description: 'there is nothing at this address' });
    });

    it('/favicon.ico and the icon every page links are an SVG, not a 404 on every page', async () => {
      const html = await (await fetch(`${gh.issuer}/admin`)).text();
      assert.match(html, /<link rel="icon" href="\/static\/favicon\.svg" type="image\/svg\+xml">/);
      for (const path of ['/static/favicon.svg', '/favicon.ico']) {
        const icon = await fetch(`${gh.issuer}${path}`);
        assert.equal(icon.status, 200, path);
        assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
        assert.match(await icon.text(), /^<svg /);
      }
    });
  });

  describe('logs never hold a credential', () => {
    it('a password login, the code grant, a client_secret_post and a Basic token request leave no secret in the logs', async () => {
      const secrets: string[] = [];
      // A failed login (the wrong password is a secret too), then a good one.
      const acme = await discover(gh.issuer, 'acme-app', 'dev-acme-secret');
      await assert.rejects(
        login(acme, { redirectUri: ACME_CB, email: 'bob@acme.test', password: 'Wrong-Password-4711' }),
        (err: unknown) => err instanceof LoginRefused && err.status === 401,
      );
      secrets.push('Wrong-Password-4711');
      const { callbackUrl, codeVerifier, state } = await authorize(acme, {
        redirectUri: ACME_CB,
        email: 'bob@acme.test',
        password: 'bob-demo-pass',
        scope: 'openid email offline_access',
        extra: { prompt: 'consent' },
      });
      secrets.push('bob-demo-pass', callbackUrl.searchParams.get('code')!, codeVerifier);
      const tokens = await oidc.authorizationCodeGrant(acme, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
      secrets.push(tokens.access_token, tokens.id_token!, tokens.refresh_token!);

      // client_secret_post puts the secret in the body; a Basic header carries it base64-encoded.
      const post = await fetch(`${gh.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'acme-app', client_secret: 'dev-acme-secret' }),
      });
      assert.ok(post.status < 500, `client_secret_post answered ${post.status}`);
      const posted = (await post.json()) as { access_token?: string };
      if (posted.access_token) secrets.push(posted.access_token);
      const basic = Buffer.from('acme-app:dev-acme-secret').toString('base64');
      const cc = await fetch(`${gh.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      assert.equal(cc.status, 200);
      secrets.push('dev-acme-secret', basic, ((await cc.json()) as { access_token: string }).access_token);
      // A refused refresh and a revocation, whose error paths log the most.
      await assert.rejects(oidc.refreshTokenGrant(acme, 'not-a-refresh-token'));
      await oidc.tokenRevocation(acme, tokens.access_token);

      const text = gh.logs.text();
      assert.ok(text.includes('"path":"/token"'), 'the token requests were logged');
      assert.ok(text.includes('login failed'), 'the failed login was logged');
      for (const secret of secrets) {
        assert.ok(secret && secret.length >= 8, 'a real secret to look for');
        assert.equal(text.includes(secret), false, `the logs hold ${secret.slice(0, 12)}…`);
      }
    });
  });
});
