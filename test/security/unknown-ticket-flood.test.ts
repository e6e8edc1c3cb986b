/**
 * Issue 8 row 7, PROTOCOL §4: whoever holds a tenant client's secret cannot flood the audit
 * log with redemptions of made-up tickets. Unknown tickets are limited per client across
 * processes (429 slow_down with Retry-After); the refusals past the limit become one event
 * with a count, never dropped. Known tickets and other clients are unaffected.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { givePasskey } from '../helpers/enroll.js';
import { baseConfig, testKeys, type TestGatehouse } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { configureExchange, mintFields, redeemFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';

const LIMIT = 10;
const FLOOD = 200;

function configure(raw: Parameters<typeof configureExchange>[0]) {
  raw.policy.rateLimits = { ...(raw.policy.rateLimits ?? {}), unknownTicketsPerClient: { points: LIMIT, duration: 60 } };
}

describe('a flood of made-up tickets from one tenant client (two processes, real Redis)', () => {
  let redis: RedisServer;
  let a: TestGatehouse;
  let b: GatehouseProcess;
  const denials = async () => (await a.gatehouse.services.audit.list({ type: 'impersonation.denied' }, { limit: 1000 })).events;

  before(async () => {
    redis = await startRedisServer();
    a = await startExchangeGatehouse({ redisUrl: redis.url, storePrefix: 'flood', configure });
    const raw = baseConfig();
    configureExchange(raw);
    configure(raw);
    raw.storePrefix = 'flood';
    for (const client of raw.clients) if (client.role === 'support-console') client.redirectUris = [`${a.issuer}/admin/callback`];
    b = await spawnGatehouse({ configPath: writeConfig(raw), env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys() }, issuer: a.issuer });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await redis?.stop();
  });

  it(`${FLOOD} concurrent bogus redemptions: ${LIMIT} refused one by one, the rest 429 and one counted event`, async () => {
    const instances = [a.issuer, `http://127.0.0.1:${b.port}`];
    const results = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) => tokenRequest(instances[i % 2]!, 'acme-app', redeemFields(randomBytes(32).toString('base64url')))),
    );
    const invalid = results.filter((r) => r.status === 400);
    const slowed = results.filter((r) => r.status === 429);
    assert.equal(invalid.length, LIMIT, 'exactly the limit is answered (and audited) one by one');
    assert.equal(slowed.length, FLOOD - LIMIT);
    for (const r of invalid) assert.equal(r.body.error, 'invalid_request');
    for (const r of slowed) {
      assert.equal(r.body.error, 'slow_down');
      assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
    }

    const events = await denials();
    assert.equal(events.filter((e) => e.code === 'ticket_invalid').length, LIMIT);
    // The first refusal past the limit of each counting window (whole minutes here; the flood
    // may straddle one boundary) is audited at once, the rest only counted.
    const limited = events.filter((e) => e.code === 'unknown_tickets_rate_limited');
    assert.ok(limited.length >= 1 && limited.length <= 2, `${limited.length} events for ${FLOOD - LIMIT} refusals`);
    assert.ok(limited.every((e) => e.client === 'acme-app' && e.tenant === 'acme'));

    // When a window closes its count is appended (forced here rather than waited for).
    await a.gatehouse.services.denialDigest.flush(Date.now() + 61_000);
    const after = (await denials()).filter((e) => e.code === 'unknown_tickets_rate_limited');
    assert.ok(after.length <= 4, 'a handful of events, not one per refusal');
    const counted = after.reduce((sum, e) => sum + Number(e.details?.count ?? 1), 0);
    assert.equal(counted, FLOOD - LIMIT, 'every refusal is accounted for, none dropped');
    assert.ok(after.some((e) => e.details?.aggregated === true && Number(e.details.count) > 1));
    assert.equal((await a.gatehouse.services.audit.verify()).ok, true);
  });

  it('the flooding client still redeems a real ticket; another client is not limited', async () => {
    const key = new SoftwareAuthenticator();
    await givePasskey(a, 'admin', 'alice@gatehouse.test', key);
    const { agent } = await signInConsole(a.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const actor = (await stepUp(a.issuer, agent, key)).accessToken;
    const minted = await tokenRequest(a.issuer, 'support-console', mintFields(actor, await userId(a, 'acme', 'bob@acme.test')));
    const redeemed = await tokenRequest(a.issuer, 'acme-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const other = await tokenRequest(a.issuer, 'globex-app', redeemFields(randomBytes(32).toString('base64url')));
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'invalid_request');
  });
});
