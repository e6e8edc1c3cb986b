/**
 * A Redis Cluster master killed under load and failed over to its replica: the master
 * that serves the slot of acme's audit log (every event of the load goes there), so appends, tickets and sessions all cross the
 * failover. See test/helpers/failover-check.ts for what must hold.
 */
import { after, before, describe, it } from 'node:test';
import { keys } from '../../src/store/keys.js';
import { checkFailoverUnderLoad } from '../helpers/failover-check.js';
import { type Fleet, startFleet } from '../helpers/fleet.js';
import { type ClusterTopology, startClusterTopology } from '../helpers/redis-cluster.js';

const PREFIX = 'cluster-failover';

describe('Cluster node killed and failed over under load', () => {
  let topo: ClusterTopology;
  let fleet: Fleet;

  before(async () => {
    topo = await startClusterTopology();
    fleet = await startFleet({ redisEnv: topo.env, spawned: 1, prefix: PREFIX });
  });
  after(async () => {
    await fleet?.stop();
    await topo?.stop();
  });

  it('no double redemption, no acknowledged audit event lost, service resumes', async () => {
    const auditMaster = await topo.masterOf(`${PREFIX}:${keys.auditLog('acme').leaves}`);
    await checkFailoverUnderLoad(fleet, async () => void (await topo.killMasterAndFailOver(auditMaster)), 'cluster-failover');
  });
});
