/**
 * The login and access-code limits hold across instances (PROTOCOL §10.3): two real
 * `src/server.ts` processes on one real redis-server, 60 concurrent guesses split between
 * them. A refusal after the secret was checked answers 401 (a wrong password) or 400
 * `invalid_request` (a wrong code); a request stopped by the limit answers 429 without
 * checking anything. So the number of 401s / 400s is the number of secrets checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { csrfOf, signInConsole, stepUp } from '../helpers/console.js';
import { useLink } from '../helpers/enroll.js';
import { runCli } from '../helpers/cli.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnPair } from '../helpers/gatehouse-process.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { GLOBEX, mintFields, T } from '../exchange/setup.js';

const LIMIT = 5;
const N = 60;

describe('limits across two Gatehouse processes (real Redis)', () => {
  let redis: RedisServer;
  let one: GatehouseProcess;
  let two: GatehouseProcess;
  let cliEnv: Record<string, string>;

  before(async () => {
    redis = await startRedisServer();
    const raw = baseConfig();
    raw.storePrefix = `xproc${process.pid}`;
    raw.policy.rateLimits = {
      loginPerAccount: { points: LIMIT, duration: 900 },
      loginPerIp: { points: 10_000, duration: 900 },
      accessCodesPerAdmin: { points: LIMIT, duration: 900 },
      ticketsPerAdmin: { points: 10_000, duration: 900 },
    };
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
    // One issuer for both instances (as a deployment has); the console's callback is on it.
    const pair = await spawnPair(raw, env);
    ({ one, two } = pair);
    const { issuer, configPath } = pair;
    cliEnv = { REDIS_URL: redis.url, GATEHOUSE_CONFIG: configPath, GATEHOUSE_ISSUER: issuer };
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  it(`${N} concurrent wrong passwords for one account, split over two instances: at most ${LIMIT} checked`, async () => {
    const agent = new HttpAgent();
    const csrf = csrfOf(await (await agent.fetch(`http://127.0.0.1:${one.port}/account`)).text());
    const statuses = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const instance = i % 2 ? two : one;
        const res = await agent.postForm(`http://127.0.0.1:${instance.port}/account/login`, { csrf, tenant: 'acme', email: 'bob@acme.test', password: `wrong-${i}` });
        return res.status;
      }),
    );
    const checked = statuses.filter((s) => s === 401).length;
    assert.ok(checked <= LIMIT, `${checked} passwords checked for ${N} concurrent guesses, limit ${LIMIT}`);
    assert.equal(statuses.filter((s) => s === 429).length, N - checked);
  });

  it(`${N} concurrent wrong access codes from one admin, split over two instances: at most ${LIMIT} looked up`, async () => {
    const key = new SoftwareAuthenticator();
    const { agent } = await signInConsole(one.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    // The admin's passkey through an enrollment link from the CLI, as an operator gives one.
    const link = await runCli(['admin', 'enroll-link', 'alice@gatehouse.test'], cliEnv);
    assert.equal((await useLink(link.stdout.trim(), 'alice-demo-pass', key)).status, 200, link.stderr);
    const actor = (await stepUp(one.issuer, agent, key)).accessToken;
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const instance = i % 2 ? two : one;
        const res = await fetch(`http://127.0.0.1:${instance.port}/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from('support-console:dev-console-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(mintFields(actor, `WRONG-${String(i).padStart(5, '2').replace(/[01]/g, '3')}`, { audience: GLOBEX, subject_token_type: T.accessCode }) as Record<string, string>),
        });
        return { status: res.status, body: (await res.json()) as { error: string } };
      }),
    );
    const lookedUp = results.filter((r) => r.status === 400 && r.body.error === 'invalid_request').length;
    assert.ok(lookedUp <= LIMIT, `${lookedUp} codes looked up for ${N} concurrent guesses, limit ${LIMIT}`);
    assert.equal(results.filter((r) => r.status === 429 && r.body.error === 'slow_down').length, N - lookedUp);
  });
});
