/**
 * Durability (issue 10): Redis replicates asynchronously, so a write the master
 * acknowledged can die with it in a failover. The writes security depends on wait for a
 * replica (WAIT, `store.replicaAcks`): while no replica can acknowledge, Gatehouse answers
 * 503 rather than hand out a ticket whose record, or a redemption whose burned marker, a
 * failover could still lose. A paused (SIGSTOP) replica stands in for one that lags or
 * is cut off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryStore, createStore, type Store, StoreUnavailableError, waitForReady } from '../../src/store/index.js';
import { mintFields, redeemFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import type { RedisNode } from '../helpers/redis-node.js';
import { type SentinelTopology, startSentinelTopology } from '../helpers/redis-sentinel.js';

describe('durability: security writes wait for a replica (Sentinel, store.replicaAcks)', () => {
  let topo: SentinelTopology;
  let gh: TestGatehouse;
  let replica: RedisNode;
  let actor: string;
  let bob: string;

  before(async () => {
    topo = await startSentinelTopology();
    const masterPort = await topo.masterPort();
    replica = topo.nodes.find((n) => n.port !== masterPort)!;
    gh = await startExchangeGatehouse({
      redisEnv: topo.env,
      configure: (raw) => {
        raw.store = { replicaTimeoutMs: 300 };
      },
    });
    const key = new SoftwareAuthenticator();
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key, 'key');
    actor = (await stepUp(gh.issuer, agent, key)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    replica?.resume();
    await gh?.stop();
    await topo?.stop();
  });

  it('while no replica can acknowledge, a mint answers 503 and no ticket goes out', async () => {
    replica.pause();
    try {
      const res = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error, 'temporarily_unavailable');
      assert.equal(res.body.access_token, undefined);
    } finally {
      replica.resume();
    }
  });

  it('a redemption whose burned marker no replica acknowledged is never answered with a token', async () => {
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    replica.pause();
    try {
      const res = await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token));
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.access_token, undefined);
    } finally {
      replica.resume();
    }
  });

  it('once the replica is back, both legs work again', async () => {
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const redeemed = await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
  });

  it('the store: auto and 1 wait for the replica; 0 waits for nothing; the memory store never waits', async () => {
    const conn = { sentinels: topo.sentinels.map((n) => ({ host: '127.0.0.1', port: n.port })), sentinelName: topo.env.REDIS_SENTINEL_NAME! };
    const stores = await Promise.all(
      (['auto', 1, 0] as const).map(async (replicaAcks) => {
        const { store, redis } = createStore(conn, { prefix: `acks${replicaAcks}`, replicas: { replicaAcks, timeoutMs: 200 } });
        await waitForReady(redis!, 10_000);
        await store.set('k', 'v');
        return store;
      }),
    );
    const [auto, one, zero] = stores as [Store, Store, Store];
    try {
      for (const store of [auto, one, zero]) await store.waitForReplicas('k');
      replica.pause();
      await auto.set('k', 'w');
      await assert.rejects(auto.waitForReplicas('k'), StoreUnavailableError);
      await one.set('k', 'w');
      await assert.rejects(one.waitForReplicas('k'), StoreUnavailableError);
      await zero.set('k', 'w');
      await zero.waitForReplicas('k');
      await createMemoryStore().waitForReplicas('k');
    } finally {
      replica.resume();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
  it('a checkpoint signer waits for what every process appended, not only for its own connection', async () => {
    const conn = { sentinels: topo.sentinels.map((n) => ({ host: '127.0.0.1', port: n.port })), sentinelName: topo.env.REDIS_SENTINEL_NAME! };
    const [appender, signer] = await Promise.all(
      [0, 1].map(async () => {
        const { store, redis } = createStore(conn, { prefix: 'cover', replicas: { replicaAcks: 1, timeoutMs: 200 } });
        await waitForReady(redis!, 10_000);
        return store;
      }),
    );
    try {
      replica.pause();
      // Another process's append, not yet on the replica (its own WAIT would still be waiting).
      await appender!.set('{audit:t}:leaves', 'appended elsewhere');
      // Redis documents WAIT as covering the signer's own connection only (which wrote
      // nothing here); the marker write makes it cover the other process's append as well.
      await assert.rejects(signer!.waitForReplicas('{audit:t}:tree', { allConnections: true }), StoreUnavailableError);
      replica.resume();
      await signer!.waitForReplicas('{audit:t}:tree', { allConnections: true });
    } finally {
      replica.resume();
      await Promise.all([appender!.close(), signer!.close()]);
    }
  });
});
