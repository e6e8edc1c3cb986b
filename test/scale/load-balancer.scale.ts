/**
 * Two Gatehouse processes behind a real nginx on loopback (round robin, `X-Forwarded-Proto:
 * https`, `trustProxy`), as a deployment runs them: the issuer is the balancer's https
 * address and no request is pinned to a process. Sign-in, passkey registration, step-up,
 * both legs of an impersonation and the console all work whichever process answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME, basic, configureExchange, mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdminWithCli } from '../helpers/enroll.js';
import { pageCsrf, submit, ticketForm } from '../helpers/console-pages.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { type LoopbackTls, terminateTlsFor } from '../helpers/loopback-tls.js';
import { type Nginx, startNginx } from '../helpers/nginx.js';
import { freePort } from '../helpers/ports.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

describe('two processes behind nginx (round robin, X-Forwarded-Proto: https)', () => {
  let redis: RedisServer;
  let nginx: Nginx;
  let processes: GatehouseProcess[];
  let tls: LoopbackTls;
  let issuer: string;
  let alice: HttpAgent;
  const key = new SoftwareAuthenticator();
  let actor: string;
  let journeyStart = 0;
  let cliEnv: Record<string, string>;

  before(async () => {
    redis = await startRedisServer();
    const [lbPort, ...ports] = await Promise.all([freePort(), freePort(), freePort()]);
    issuer = `https://localhost:${lbPort}`;
    nginx = await startNginx(ports, lbPort);
    const raw = baseConfig();
    configureExchange(raw);
    // One trusted hop: nginx.
    raw.trustProxy = 1;
    for (const c of raw.clients) {
      if (c.role === 'support-console') {
        c.redirectUris = [`${issuer}/admin/callback`];
        c.postLogoutRedirectUris = [`${issuer}/admin`];
      }
    }
    const configPath = writeConfig(raw);
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
    cliEnv = { ...env, GATEHOUSE_CONFIG: configPath, GATEHOUSE_ISSUER: issuer };
    processes = [];
    // One after the other: each seeds the demo accounts only when missing.
    for (const port of ports) {
      processes.push(await spawnGatehouse({ configPath, issuer, port, env: { ...env, GATEHOUSE_INTERNAL_URL: `http://127.0.0.1:${port}` } }));
    }
    // The browser and the apps reach the issuer through nginx; nginx itself says https.
    tls = terminateTlsFor(issuer, { forwardedProto: false });
    // nginx's own start-up probe (answered 502 before the processes listened) is not the journey.
    journeyStart = nginx.accessLog().length;
  });
  after(async () => {
    tls?.restore();
    await nginx?.stop();
    await Promise.all((processes ?? []).map((p) => p.stop()));
    await redis?.stop();
  });

  const upstreamsSeen = () => new Set(nginx.accessLog().map((l) => l.upstream));

  it('discovery names the https issuer whichever process answers', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { issuer: string; token_endpoint: string };
      assert.equal(doc.issuer, issuer);
      assert.equal(doc.token_endpoint, `${issuer}/token`);
    }
    assert.equal(upstreamsSeen().size, 2, 'round robin reached both processes');
  });

  it('an admin enrolls a passkey from a link, signs in to the console and steps up', async () => {
    await enrollAdminWithCli(cliEnv, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key);
    ({ agent: alice } = await signInConsole(issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }));
    const stepped = await stepUp(issuer, alice, key);
    assert.equal(stepped.acr, 'phr');
    actor = stepped.accessToken;
  });

  it('both legs: mint, redeem, introspect, userinfo and revoke, spread over both processes', async () => {
    const bob = await lookupBob();
    for (let i = 0; i < 4; i++) {
      const minted = await tokenRequest(issuer, 'support-console', mintFields(actor, bob, { reason: `LB-${i}: round robin` }));
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      const redeemed = await tokenRequest(issuer, 'acme-app', redeemFields(minted.body.access_token));
      assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
      const token = redeemed.body.access_token as string;
      const introspected = await post('/token/introspection', { token });
      assert.equal(introspected.active, true);
      assert.equal((introspected.act as { sub: string }).sub.startsWith('adm_'), true);
      const me = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { sub: string }).sub, bob);
      const revoked = await fetch(`${issuer}/token/revocation`, { method: 'POST', headers: form('acme-app'), body: new URLSearchParams({ token }) });
      assert.equal(revoked.status, 200);
      assert.equal((await post('/token/introspection', { token })).active, false);
    }
  });

  it('the console impersonates through the balancer: form, step-up, ticket page', async () => {
    const bob = await lookupBob();
    const csrf = await pageCsrf(alice, `${issuer}/admin`);
    const page = await submit(alice, `${issuer}/admin/impersonate`, { csrf, user: bob, tenant: 'acme', reason: 'LB-9: console', duration: '900', audience: ACME }, key);
    assert.equal(page.status, 200, page.html.slice(0, 300));
    const ticket = ticketForm(page.html);
    assert.ok(ticket, 'the console delivers a ticket');
    const redeemed = await tokenRequest(issuer, 'acme-app', redeemFields(ticket.ticket));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const sessions = await alice.fetch(`${issuer}/admin/sessions`);
    assert.equal(sessions.status, 200);
    assert.match(await sessions.text(), /LB-9: console/);
  });

  it('no request failed and both processes served the journey', () => {
    const log = nginx.accessLog().slice(journeyStart);
    assert.ok(log.length > 30, `${log.length} requests`);
    assert.deepEqual(log.filter((l) => l.status >= 500), []);
    const byUpstream = new Map<string, number>();
    for (const l of log) byUpstream.set(l.upstream, (byUpstream.get(l.upstream) ?? 0) + 1);
    assert.equal(byUpstream.size, 2, JSON.stringify([...byUpstream]));
    for (const count of byUpstream.values()) assert.ok(count >= log.length / 4, JSON.stringify([...byUpstream]));
  });

  async function post(path: string, fields: Record<string, string>) {
    const res = await fetch(`${issuer}${path}`, { method: 'POST', headers: form('acme-app'), body: new URLSearchParams(fields) });
    return (await res.json()) as Record<string, unknown>;
  }
  function form(clientId: string) {
    return { authorization: basic(clientId), 'content-type': 'application/x-www-form-urlencoded' };
  }
  async function lookupBob(): Promise<string> {
    // The console's user search, through the balancer, finds bob's id.
    const res = await alice.fetch(`${issuer}/admin/users?tenant=acme&q=bob%40acme.test`);
    const id = /usr_[A-Za-z0-9_-]+/.exec(await res.text())?.[0];
    if (!id) throw new Error('bob not found in the console');
    return id;
  }
});
