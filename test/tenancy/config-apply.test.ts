/**
 * `gatehouse config apply` (PROTOCOL §11) with the real CLI on a real Redis: the dev file on
 * an empty store reproduces the demo a first start seeds (the same tenants, clients and
 * roles, the demo's secrets working), a second run prints no changes, a dry run changes
 * nothing, and only `--prune` removes what the file does not name.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createAuditLog } from '../../src/audit/index.js';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../../src/config/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { createDomainVerifier, createTenancy, createTenancySync } from '../../src/tenancy/index.js';
import { tokenRequest } from '../exchange/setup.js';
import { runCli } from '../helpers/cli.js';
import { baseConfig, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { TENANT_PORT, tenantOrigin } from '../helpers/ports.js';

describe('gatehouse config apply (real CLI, real Redis)', () => {
  let redis: RedisServer;
  let env: Record<string, string>;
  let gh: TestGatehouse | undefined;
  const prefix = `apply${process.pid}`;

  before(async () => {
    redis = await startRedisServer();
    const raw = baseConfig();
    raw.storePrefix = prefix;
    // The dev file's URLs follow the CLI's environment (as at startup): onto the port this test holds.
    env = { REDIS_URL: redis.url, GATEHOUSE_CONFIG: writeConfig(raw), GATEHOUSE_DEMO_PORT: String(TENANT_PORT), GATEHOUSE_ISSUER: `http://localhost:${TENANT_PORT}` };
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('the dev file on an empty store: one line per tenant, client and role; the second run changes nothing', async () => {
    const dry = await runCli(['config', 'apply', DEFAULT_CONFIG_PATH, '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /10 change\(s\) would be applied \(dry run: nothing changed\)/);
    const first = await runCli(['config', 'apply', DEFAULT_CONFIG_PATH], env);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.stdout.trim().split('\n'), [
      '+ tenant acme',
      '+ tenant globex',
      '+ tenant wonka',
      '+ client support-console (support-console)',
      '+ client acme-app (tenant acme)',
      '+ client globex-app (tenant globex)',
      '+ client wonka-app (tenant wonka)',
      '+ client dev-ops (management)',
      '+ role support',
      '+ role support-lead',
      '10 change(s) applied (configuration version 1)',
    ]);
    assert.ok(!first.stdout.includes('dev-acme-secret'), 'no secret printed');
    const second = await runCli(['config', 'apply', DEFAULT_CONFIG_PATH], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'no changes');
  });

  it("reproduces the demo a first start seeds: the same tenants, clients and roles; the demo's secrets work", async () => {
    gh = await startGatehouse({ redisUrl: redis.url, storePrefix: prefix });
    const applied = gh.gatehouse.services.tenancy.view();
    const memory = createMemoryStore();
    const sync = createTenancySync(memory, { pollMs: 100 });
    const seeded = createTenancy({ store: memory, sync, audit: createAuditLog(memory), verifier: createDomainVerifier({ timeoutMs: 100, allowPrivateAddresses: false }) });
    await seeded.start();
    await seeded.bootstrap(parseConfig(baseConfig(), {}).declared);
    const shape = (v: typeof applied) => ({ tenants: v.tenants, clients: v.clients, roles: v.roles });
    const fromFile = shape(seeded.view());
    // startGatehouse points the console's callback at its own port; the file says :3000.
    const consoleOf = (s: ReturnType<typeof shape>) => ({ ...s, clients: s.clients.filter((c) => c.role !== 'support-console') });
    assert.deepEqual(consoleOf(shape(applied)), consoleOf(fromFile));
    assert.equal(applied.version, 1, 'the server did not seed the store again');
    const cc = await tokenRequest(gh.issuer, 'acme-app', { grant_type: 'client_credentials', scope: 'audit:read' });
    assert.equal(cc.status, 200, JSON.stringify(cc.body));
    await seeded.stop();
  });

  it('a changed file: the diff names the change; --prune disables what it does not name, and a tenant log keeps the downgrade', async () => {
    const raw = baseConfig();
    raw.tenants = raw.tenants.filter((t: { id: string }) => t.id !== 'globex');
    raw.clients = raw.clients.filter((c: { tenant?: string }) => c.tenant !== 'globex');
    raw.seed.users = raw.seed.users.filter((u: { tenant: string }) => u.tenant !== 'globex');
    raw.tenants.find((t: { id: string }) => t.id === 'wonka').consent = 'none';
    const file = writeConfig(raw);
    const kept = await runCli(['config', 'apply', file], env);
    assert.equal(kept.code, 0, kept.stderr);
    assert.deepEqual(kept.stdout.trim().split('\n'), ['~ tenant wonka: consent "approval" → "none"', '1 change(s) applied (configuration version 2)']);
    const pruned = await runCli(['config', 'apply', file, '--prune'], env);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(pruned.stdout.trim().split('\n').sort(), ['- client globex-app', '- tenant globex (disabled; its records and audit log stay)', '2 change(s) applied (configuration version 3)'].sort());
    await gh!.gatehouse.services.tenancy.refresh();
    assert.equal(gh!.gatehouse.services.tenancy.view().tenant('globex'), undefined);
    const events = await gh!.gatehouse.services.audit.list({ tenant: 'wonka', type: 'tenant.protection_changed' }, { limit: 10 });
    assert.deepEqual([events.events[0]?.details?.['after.consent'], events.events[0]?.details?.via], ['"none"', 'config apply']);
    const broken = writeConfig({ tenants: [{ id: 'acme', name: 'Acme', domains: [tenantOrigin('acme')] }], clients: [{ clientId: 'x-app', role: 'tenant', tenant: 'acme', redirectUris: ['https://elsewhere.example/cb'] }] });
    const refused = await runCli(['config', 'apply', broken], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^gatehouse: client "x-app": https:\/\/elsewhere\.example\/cb not on a domain of tenant "acme"\n$/);
    writeFileSync(broken, '{ not json');
    assert.match((await runCli(['config', 'apply', broken], env)).stderr, /is not valid JSON/);
  });
});
