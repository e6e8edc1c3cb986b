/**
 * Three Gatehouse processes on one Redis under concurrent load append to one tenant's
 * log: nothing is refused, no append is lost or retried, positions are contiguous, and
 * the log checkpoints and verifies. (The old single hash chain raced processes on a
 * compare-and-append; the log now assigns positions in Redis, so there is no race.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keys } from '../../src/store/index.js';
import { configureExchange, mintFields, redeemFields, tokenRequest, userId } from '../exchange/setup.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { givePasskey } from '../helpers/enroll.js';
import { baseConfig, startGatehouse, testKeys, type TestGatehouse } from '../helpers/gatehouse.js';
import { spawnGatehouse, writeConfig, type GatehouseProcess } from '../helpers/gatehouse-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const ROUNDS = 60;

describe('audit appends from three processes under load (real Redis)', () => {
  let redis: RedisServer;
  let a: TestGatehouse;
  let others: GatehouseProcess[] = [];

  before(async () => {
    redis = await startRedisServer();
    const configure = (raw: Record<string, any>) => {
      configureExchange(raw);
      raw.storePrefix = 'load';
      raw.policy.rateLimits = { ticketsPerAdmin: { points: 1_000_000, duration: 60 } };
    };
    a = await startGatehouse({ redisUrl: redis.url, storePrefix: 'load', configure });
    const raw = baseConfig();
    configure(raw);
    for (const client of raw.clients) if (client.role === 'support-console') client.redirectUris = [`${a.issuer}/admin/callback`];
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
    const configPath = writeConfig(raw);
    others = await Promise.all([spawnGatehouse({ configPath, env, issuer: a.issuer }), spawnGatehouse({ configPath, env, issuer: a.issuer })]);
  });
  after(async () => {
    await Promise.all(others.map((p) => p.stop()));
    await a?.stop();
    await redis?.stop();
  });

  it(`${ROUNDS} concurrent mints and redemptions spread over three processes: every event in place`, async () => {
    const key = new SoftwareAuthenticator();
    await givePasskey(a, 'admin', 'alice@gatehouse.test', key, 'laptop');
    const { agent } = await signInConsole(a.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const actor = (await stepUp(a.issuer, agent, key)).accessToken;
    const bob = await userId(a, 'acme', 'bob@acme.test');
    const instances = [a.issuer, ...others.map((p) => `http://127.0.0.1:${p.port}`)];
    const before = (await a.gatehouse.services.store.tlogState(keys.auditLog('acme'))).size;

    const outcomes = await Promise.all(
      Array.from({ length: ROUNDS }, async (_, i) => {
        const minted = await tokenRequest(instances[i % 3]!, 'support-console', mintFields(actor, bob));
        if (minted.status !== 200) return `mint ${minted.status} ${JSON.stringify(minted.body)}`;
        const redeemed = await tokenRequest(instances[(i + 1) % 3]!, 'acme-app', redeemFields(minted.body.access_token));
        return redeemed.status === 200 ? 'ok' : `redeem ${redeemed.status} ${JSON.stringify(redeemed.body)}`;
      }),
    );
    assert.deepEqual(outcomes.filter((o) => o !== 'ok'), []);

    const store = a.gatehouse.services.store;
    const state = await store.tlogState(keys.auditLog('acme'));
    assert.equal(state.size - before, ROUNDS * 2, 'a ticket_issued and an impersonation.started per round');
    const leaves = await store.tlogRead(keys.auditLog('acme'), 0, state.size + 10);
    assert.deepEqual(leaves.map((l) => l.index), Array.from({ length: state.size }, (_, i) => i), 'contiguous positions, none shared');
    const types = leaves.slice(before).map((l) => (JSON.parse(l.leaf) as { type: string }).type);
    assert.equal(types.filter((t) => t === 'impersonation.ticket_issued').length, ROUNDS);
    assert.equal(types.filter((t) => t === 'impersonation.started').length, ROUNDS);

    await a.gatehouse.services.checkpoints.checkpointNow(['acme']);
    const verified = await a.gatehouse.services.audit.verify({ logs: ['acme'] });
    assert.equal(verified.ok, true, JSON.stringify(verified.logs));
    for (const p of others) assert.doesNotMatch(p.output(), /"level":(50|60)/, 'no errors logged by the other processes');
    assert.doesNotMatch(a.logs.text(), /"level":(50|60)/, 'no errors logged');
  });
});
