/**
 * Time and volume limits: stale step-up, expired tickets, rate limits (429 slow_down), and
 * a store outage (503 temporarily_unavailable, nothing issued, recovery without restart).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedAccounts } from '../../src/accounts/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { basic, GLOBEX, lastEvent, mintFields, redeemFields, startExchangeGatehouse, T, tokenRequest, userId } from './setup.js';

describe('token exchange limits (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let actor: string;
  let bob: string;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.policy.ticketTtl = 1;
        raw.policy.stepUpMaxAge = 4;
        raw.policy.rateLimits = {
          ticketsPerAdmin: { points: 3, duration: 600 },
          accessCodesPerAdmin: { points: 2, duration: 600 },
        };
      },
    });
    const authenticator = new SoftwareAuthenticator();
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'key');
    actor = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('a ticket expires after ticketTtl', async () => {
    const res = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.expires_in, 1);
    await sleep(2100);
    const late = await tokenRequest(gh.issuer, 'acme-app', redeemFields(res.body.access_token));
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'invalid_request');
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'ticket_invalid');
  });

  it('wrong access codes from one admin are limited: 429 slow_down with Retry-After', async () => {
    const wrong = () => tokenRequest(gh.issuer, 'support-console', mintFields(actor, 'AAAAA-BBBBB', { audience: GLOBEX, subject_token_type: T.accessCode }));
    assert.equal((await wrong()).body.error, 'invalid_request');
    assert.equal((await wrong()).body.error, 'invalid_request');
    const limited = await wrong();
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'slow_down');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'rate_limited');
  });

  it('too many tickets from one admin: 429 slow_down with Retry-After', async () => {
    // The expiry test minted once and the code tests spent two attempts of the ticket budget.
    let res = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    for (let i = 0; i < 5 && res.status === 200; i++) res = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(res.status, 429);
    assert.equal(res.body.error, 'slow_down');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
  });

  it('a step-up older than stepUpMaxAge is refused with the hints', async () => {
    await sleep(4100);
    const res = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    assert.equal(res.body.acr_values, 'phr');
    assert.equal(res.body.max_age, 4);
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'actor_not_stepped_up');
  });
});

describe('store outage (real Redis stopped and restarted)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({ redisUrl: redis.url });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('503 temporarily_unavailable and nothing issued while Redis is down; works again after', async () => {
    const authenticator = new SoftwareAuthenticator();
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'key');
    const actor = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    const bob = await userId(gh, 'acme', 'bob@acme.test');

    await redis.stop();
    const started = Date.now();
    const down = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal(down.body.error, 'temporarily_unavailable');
    assert.equal(down.body.access_token, undefined);
    assert.ok(Date.now() - started < 5000, 'fails fast, no hang');
    const ready = await fetch(`${gh.issuer}/readyz`);
    assert.equal(ready.status, 503);
    // Every other endpoint that needs the store answers 503 too, never a 500.
    const intro = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic('acme-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'some-opaque-token-value' }),
    });
    assert.equal(intro.status, 503);
    assert.equal(((await intro.json()) as { error: string }).error, 'temporarily_unavailable');

    await redis.restart();
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${gh.issuer}/readyz`)).status !== 200) {
      assert.ok(Date.now() < deadline, 'Gatehouse reconnects without a restart');
      await sleep(250);
    }
    // The test Redis keeps nothing on disk: seed again, then the whole flow works.
    await seedAccounts(gh.gatehouse.services.accounts, gh.config.seed);
    const again = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const key2 = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key2, 'key');
    const actor2 = (await stepUp(gh.issuer, again.agent, key2)).accessToken;
    const bob2 = await userId(gh, 'acme', 'bob@acme.test');
    const up = await tokenRequest(gh.issuer, 'support-console', mintFields(actor2, bob2));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal((await fetch(`${gh.issuer}/readyz`)).status, 200);
  });
});
