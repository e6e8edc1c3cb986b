/**
 * Issue 16 finding 1, PROTOCOL §10.2: disabling is final. Nothing issued before an
 * account's most recent disable works again, whatever happens after (enable included), on
 * any instance. Two real `src/server.ts` processes of one deployment on one real Redis, and
 * the real CLI, as the review reproduced it: the admin steps up (token T), mints three
 * tickets and redeems two; `gatehouse admin disable` makes T inactive at introspection and
 * ends the two sessions; after `gatehouse admin enable`, T mints nothing and the third
 * ticket is refused at redemption. The same for a user disabled and enabled again: a ticket
 * and an impersonation token naming them, minted before, never work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { runCli } from '../helpers/cli.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { useLink } from '../helpers/enroll.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnPair } from '../helpers/gatehouse-process.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { basic, mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };

describe('disable is final: nothing issued before the most recent disable works again (two processes, real Redis, real CLI)', () => {
  let redis: RedisServer;
  let one: GatehouseProcess;
  let two: GatehouseProcess;
  let issuer: string;
  let secondInstance: string;
  let cliEnv: Record<string, string>;
  const key = new SoftwareAuthenticator();

  const cli = async (...args: string[]) => {
    const res = await runCli(args, cliEnv);
    assert.equal(res.code, 0, `gatehouse ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  async function introspect(instance: string, clientId: string, token: string) {
    const res = await fetch(`${instance}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic(clientId), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as { active: boolean };
  }
  const me = (instance: string, token: string) => fetch(`${instance}/me`, { headers: { authorization: `Bearer ${token}` } });
  async function mint(instance: string, actor: string, user: string) {
    return tokenRequest(instance, 'support-console', mintFields(actor, user));
  }
  async function minted(instance: string, actor: string, user: string) {
    const res = await mint(instance, actor, user);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token as string;
  }
  const redeem = (instance: string, ticket: string) => tokenRequest(instance, 'acme-app', redeemFields(ticket));
  async function redeemed(instance: string, ticket: string) {
    const res = await redeem(instance, ticket);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token as string;
  }
  /** A console session of alice's, stepped up: the actor token T. */
  async function aliceStepsUp(): Promise<{ agent: HttpAgent; token: string }> {
    const { agent } = await signInConsole(issuer, ALICE);
    return { agent, token: (await stepUp(issuer, agent, key)).accessToken };
  }
  async function userIdOf(agent: HttpAgent, email: string) {
    const page = await (await agent.fetch(`${issuer}/admin/users?tenant=acme&q=${encodeURIComponent(email)}`)).text();
    const id = /data-user="(usr_[^"]+)"/.exec(page)?.[1];
    assert.ok(id, `${email} is listed`);
    return id;
  }

  before(async () => {
    redis = await startRedisServer();
    const raw = baseConfig();
    raw.storePrefix = `final${process.pid}`;
    raw.policy.rateLimits = { ticketsPerAdmin: { points: 10_000, duration: 900 } };
    raw.seed.users.push({ tenant: 'acme', email: 'erin@acme.test', name: 'Erin Acme', password: 'erin-acme-pass' });
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off', LOG_LEVEL: 'warn' };
    const pair = await spawnPair(raw, env);
    ({ one, two, issuer } = pair);
    secondInstance = `http://127.0.0.1:${two.port}`;
    cliEnv = { REDIS_URL: redis.url, GATEHOUSE_CONFIG: pair.configPath, GATEHOUSE_ISSUER: issuer, GATEHOUSE_KEYS: env.GATEHOUSE_KEYS };
    const link = (await cli('admin', 'enroll-link', ALICE.email)).trim().split('\n')[0]!;
    assert.equal((await useLink(link, ALICE.password, key)).status, 200);
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  it('an admin disabled then enabled: T is dead at introspection and at the mint, the third ticket is refused, the two sessions ended', async () => {
    const alice = await aliceStepsUp();
    const T = alice.token;
    const bob = await userIdOf(alice.agent, 'bob@acme.test');
    const tickets = [await minted(issuer, T, bob), await minted(secondInstance, T, bob), await minted(issuer, T, bob)];
    const sessions = [await redeemed(secondInstance, tickets[0]!), await redeemed(issuer, tickets[1]!)];
    assert.equal((await introspect(secondInstance, 'support-console', T)).active, true, 'T is live before the disable');
    for (const s of sessions) assert.equal((await introspect(secondInstance, 'acme-app', s)).active, true);

    await cli('admin', 'disable', ALICE.email);
    for (const instance of [issuer, secondInstance]) {
      assert.equal((await introspect(instance, 'support-console', T)).active, false, `T inactive at introspection at once (${instance})`);
      for (const s of sessions) assert.equal((await introspect(instance, 'acme-app', s)).active, false, 'the two sessions ended');
    }

    await cli('admin', 'enable', ALICE.email);
    for (const instance of [issuer, secondInstance]) {
      assert.equal((await introspect(instance, 'support-console', T)).active, false, 'T stays inactive after the enable');
      const refused = await mint(instance, T, bob);
      assert.equal(refused.status, 400, `a mint with T after the enable: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.error, 'invalid_request');
      assert.equal(refused.body.access_token, undefined);
    }
    const third = await redeem(secondInstance, tickets[2]!);
    assert.equal(third.status, 400, `the third ticket after the enable: ${JSON.stringify(third.body)}`);
    assert.equal(third.body.error, 'invalid_request');
    assert.match(third.body.error_description, /admin who asked for this ticket has been disabled/);
    assert.equal((await redeem(issuer, tickets[2]!)).status, 400, 'and it stays burned');
    for (const s of sessions) {
      assert.equal((await introspect(issuer, 'acme-app', s)).active, false, 'an ended session stays ended');
      assert.equal((await me(secondInstance, s)).status, 401);
    }

    // Enabled means enabled: a fresh sign-in and step-up work as before.
    const again = await aliceStepsUp();
    const fresh = await redeemed(secondInstance, await minted(issuer, again.token, bob));
    assert.equal((await introspect(issuer, 'acme-app', fresh)).active, true);
  });

  it('a user disabled then enabled: a ticket and an impersonation token naming them, minted before, never work', async () => {
    const alice = await aliceStepsUp();
    const erin = await userIdOf(alice.agent, 'erin@acme.test');
    const token = await redeemed(secondInstance, await minted(issuer, alice.token, erin));
    const outstanding = await minted(secondInstance, alice.token, erin);
    assert.equal((await me(issuer, token)).status, 200);

    await cli('user', 'disable', '--tenant', 'acme', 'erin@acme.test');
    await cli('user', 'enable', '--tenant', 'acme', 'erin@acme.test');

    const refused = await redeem(issuer, outstanding);
    assert.equal(refused.status, 400, `a ticket minted before the disable: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.error, 'invalid_request');
    assert.match(refused.body.error_description, /user of this ticket is unknown or disabled/);
    for (const instance of [issuer, secondInstance]) {
      assert.equal((await introspect(instance, 'acme-app', token)).active, false, 'the impersonation token minted before');
      assert.equal((await me(instance, token)).status, 401);
    }
    // The admin's token was never disabled: a new ticket for erin works.
    const fresh = await redeemed(issuer, await minted(secondInstance, alice.token, erin));
    assert.equal((await me(secondInstance, fresh)).status, 200);
  });
});
