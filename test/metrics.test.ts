/**
 * Operations: Prometheus `GET /metrics` behind a bearer token (and on a port of its own), with
 * the impersonation funnel moving as a real impersonation happens against a real Redis:
 * minted, redeemed, replayed, denied by reason, ended by reason, active sessions, requests and
 * latencies per endpoint, store errors; and /readyz failing while Redis is unreachable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from './helpers/authenticator.js';
import { signInConsole, stepUp } from './helpers/console.js';
import { enrollAdmin } from './helpers/enroll.js';
import type { TestGatehouse } from './helpers/gatehouse.js';
import { baseConfig, testKeys } from './helpers/gatehouse.js';
import { spawnGatehouse, writeConfig } from './helpers/gatehouse-process.js';
import { freePort } from './helpers/ports.js';
import { type RedisServer, startRedisServer } from './helpers/redis-server.js';
import { mintFields, redeemFields, startExchangeGatehouse, tokenRequest, userId } from './exchange/setup.js';

const TOKEN = 'metrics-test-token-0123456789';

/** Parses the Prometheus text format (0.0.4) into `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

describe('/metrics (real Gatehouse, real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  const scrape = async () => {
    const res = await fetch(`${gh.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parse(await res.text());
  };
  const value = (samples: Map<string, number>, name: string) => samples.get(name) ?? 0;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.metrics = { token: TOKEN };
      },
    });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('answers only with the bearer token', async () => {
    assert.equal((await fetch(`${gh.issuer}/metrics`)).status, 401);
    const wrong = await fetch(`${gh.issuer}/metrics`, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.ok((await scrape()).has('process_cpu_user_seconds_total'), 'process metrics too');
  });

  it('the counters move with a real impersonation', async () => {
    const before = await scrape();
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const authenticator = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
    assert.equal((await agent.fetch(`${gh.issuer}/admin/passkeys`)).status, 200);
    const actor = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    const bob = await userId(gh, 'acme', 'bob@acme.test');

    const refused = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob, { reason: 'x' }));
    assert.equal(refused.status, 400);
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(minted.status, 200);
    const ticket = minted.body.access_token;
    assert.equal((await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket))).status, 200);
    const live = await scrape();
    assert.equal(value(live, 'gatehouse_tickets_minted_total') - value(before, 'gatehouse_tickets_minted_total'), 1);
    assert.equal(value(live, 'gatehouse_tickets_redeemed_total') - value(before, 'gatehouse_tickets_redeemed_total'), 1);
    assert.equal(value(live, 'gatehouse_impersonation_denied_total{reason="reason_invalid"}'), 1);
    assert.equal(value(live, 'gatehouse_impersonation_sessions_active'), 1);
    assert.ok(value(live, 'gatehouse_http_requests_total{method="POST",route="token",status="200"}') >= 2);
    assert.ok(value(live, 'gatehouse_http_requests_total{method="POST",route="token",status="400"}') >= 1);
    assert.ok(value(live, 'gatehouse_http_request_duration_seconds_count{method="POST",route="token"}') >= 3);
    assert.ok(value(live, 'gatehouse_http_requests_total{method="GET",route="/admin/passkeys",status="200"}') >= 1, 'routes by pattern');

    // Presented again: a replay, which (onReplay: revoke) ends the session.
    assert.equal((await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket))).status, 400);
    const replayed = await scrape();
    assert.equal(value(replayed, 'gatehouse_tickets_replayed_total'), 1);
    assert.equal(value(replayed, 'gatehouse_impersonation_sessions_ended_total{reason="ticket_replayed"}'), 1);
    assert.equal(value(replayed, 'gatehouse_impersonation_sessions_active'), 0);
  });

  it('Redis unreachable: /readyz 503, store errors counted, /metrics still answers', async () => {
    await redis.stop();
    try {
      assert.equal((await fetch(`${gh.issuer}/readyz`)).status, 503);
      const down = await scrape();
      assert.ok(value(down, 'gatehouse_store_errors_total{operation="ping"}') >= 1);
    } finally {
      await redis.restart();
      // Reconnected before anything else (closing a client mid-reconnect would wait for it).
      while ((await fetch(`${gh.issuer}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
  });
});

describe('metrics.port: a port of its own, no token', () => {
  it('serves the registry there and nothing else', async () => {
    const metricsPort = await freePort();
    const raw = baseConfig();
    raw.metrics = { port: metricsPort };
    const gh = await spawnGatehouse({ configPath: writeConfig(raw), env: { GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' } });
    try {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^# HELP gatehouse_http_requests_total/m);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/admin`)).status, 404);
      assert.equal((await fetch(`${gh.issuer}/metrics`)).status, 404, 'not on the main port without a token');
    } finally {
      await gh.stop();
    }
  });
});
