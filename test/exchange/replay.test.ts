/**
 * Replay: 200 concurrent redemptions of one ticket across two Gatehouse processes sharing
 * one Redis give exactly one token; the replay is audited and ends the first session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { baseConfig, startGatehouse, testKeys, type TestGatehouse } from '../helpers/gatehouse.js';
import { spawnGatehouse, writeConfig, type GatehouseProcess } from '../helpers/gatehouse-process.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { configureExchange, mintFields, redeemFields, tokenRequest, userId } from './setup.js';

describe('ticket replay across two processes (real Redis)', () => {
  let redis: TestRedis;
  let a: TestGatehouse;
  let b: GatehouseProcess;
  let c: GatehouseProcess;

  before(async () => {
    redis = await startTestRedis();
    // One deployment: the same issuer, keys, prefix and config for every instance.
    a = await startGatehouse({ redisEnv: redis.env, storePrefix: 'replay', configure: configureExchange });
    const raw = baseConfig();
    configureExchange(raw);
    raw.storePrefix = 'replay';
    for (const client of raw.clients) if (client.role === 'support-console') client.redirectUris = [`${a.issuer}/admin/callback`];
    // No demo tenant app: two of them would want the dev config's port 4000 (npm start refuses a taken port).
    const env = { ...redis.env, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
    const configPath = writeConfig(raw);
    [b, c] = await Promise.all([
      spawnGatehouse({ configPath, env, issuer: a.issuer }),
      spawnGatehouse({ configPath, env, issuer: a.issuer }),
    ]);
  });
  after(async () => {
    await Promise.all([b?.stop(), c?.stop()]);
    await a?.stop();
    await redis?.stop();
  });

  it('exactly one of 200 concurrent redemptions wins; the replay ends its session', async () => {
    const authenticator = new SoftwareAuthenticator();
    const { agent } = await signInConsole(a.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(a, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'key');
    const actor = (await stepUp(a.issuer, agent, authenticator)).accessToken;
    const bob = await userId(a, 'acme', 'bob@acme.test');
    const minted = await tokenRequest(a.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const ticket = minted.body.access_token;

    const instances = [`http://127.0.0.1:${b.port}`, `http://127.0.0.1:${c.port}`];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => tokenRequest(instances[i % 2]!, 'acme-app', redeemFields(ticket))),
    );
    const winners = results.filter((r) => r.status === 200);
    assert.equal(winners.length, 1, `${winners.length} tokens issued`);
    const losers = results.filter((r) => r.status !== 200);
    assert.equal(losers.length, 199);
    for (const r of losers) {
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_request');
    }

    const { audit } = a.gatehouse.services;
    const started = await audit.list({ type: 'impersonation.started' }, { limit: 10 });
    assert.equal(started.events.length, 1, 'one impersonation.started');
    const replayed = await audit.list({ type: 'impersonation.ticket_replayed' }, { limit: 10 });
    assert.ok(replayed.events.length >= 1, 'the replay is audited');
    const ended = await audit.list({ type: 'impersonation.ended' }, { limit: 10 });
    assert.equal(ended.events.length, 1, 'the first session ended once');
    assert.equal(ended.events[0]!.code, 'ticket_replayed');

    const introspection = await fetch(`${a.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('acme-app:dev-acme-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ token: winners[0]!.body.access_token }),
    });
    assert.equal(((await introspection.json()) as { active: boolean }).active, false);
    assert.equal((await audit.verify()).ok, true, 'the chain holds under contention');
  });
});
