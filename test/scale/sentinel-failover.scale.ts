/**
 * A Sentinel failover under load: the master is killed while two instances mint and
 * redeem (each ticket presented twice at once); the sentinels promote the replica.
 * See test/helpers/failover-check.ts for what must hold.
 */
import { after, before, describe, it } from 'node:test';
import { checkFailoverUnderLoad } from '../helpers/failover-check.js';
import { type Fleet, startFleet } from '../helpers/fleet.js';
import { type SentinelTopology, startSentinelTopology } from '../helpers/redis-sentinel.js';

describe('Sentinel failover under load', () => {
  let topo: SentinelTopology;
  let fleet: Fleet;

  before(async () => {
    topo = await startSentinelTopology();
    fleet = await startFleet({ redisEnv: topo.env, spawned: 1, prefix: 'sentinel-failover' });
  });
  after(async () => {
    await fleet?.stop();
    await topo?.stop();
  });

  it('no double redemption, no acknowledged audit event lost, service resumes', async () => {
    await checkFailoverUnderLoad(fleet, async () => void (await topo.killMasterAndFailOver()), 'sentinel-failover');
  });
});
