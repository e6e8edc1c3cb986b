/**
 * A role narrowed through the management API ends what its holders hold, one holder after
 * another. That pass must not write back the roles it read at its start: an admin's role
 * taken away meanwhile (another operator, the console, the CLI) stays taken away.
 * Real HTTP for the narrowing, real Redis, the lifecycle's own role change beside it.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/cli/lifecycle.js';
import { changeAdminRoles } from '../../src/lifecycle/index.js';
import { startExchangeGatehouse } from '../exchange/setup.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { api, configureManagement, manageToken, OPS } from './setup.js';

describe('narrowing a role while an admin loses another (real HTTP, real Redis)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let ops: string;

  before(async () => {
    redis = await startTestRedis();
    gh = await startExchangeGatehouse({
      redisEnv: redis.env,
      configure: (raw) => {
        configureManagement(raw);
        raw.roles.push({ name: 'narrowme', tenants: '*' }, { name: 'extra', tenants: ['acme'] });
      },
    });
    ops = await manageToken(gh.issuer, OPS.clientId);
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('the narrowing pass leaves the roles as they are now, not as they were when it started', async () => {
    const { admins } = gh.gatehouse.services.accounts;
    // The oldest holder is the pass's last: the ones created after it come first.
    const last = await admins.create({ email: 'last@gatehouse.test', name: 'Last', roles: ['narrowme', 'extra'] });
    for (let i = 0; i < 3; i++) {
      await sleep(5);
      await admins.create({ email: `holder${i}@gatehouse.test`, name: `Holder ${i}`, roles: ['narrowme'] });
    }
    const services = gh.gatehouse.services;
    const etag = (await api(gh.issuer, ops, 'GET', '/roles/narrowme')).headers.get('etag')!;
    const narrowing = api(gh.issuer, ops, 'PUT', '/roles/narrowme', { tenants: ['globex'] }, { 'if-match': etag });
    await sleep(300);
    await changeAdminRoles(
      { accounts: services.accounts, store: services.store, audit: services.audit, roles: services.tenancy.view().roles, tenants: () => services.tenancy.view().tenantIds },
      last.id,
      ['narrowme'],
      CLI_ACTOR,
    );
    const narrowed = await narrowing;
    assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
    assert.deepEqual((await admins.findById(last.id))?.roles, ['narrowme'], 'the role taken away meanwhile stays taken away');
  });
});
