/**
 * The runtime-configuration service (src/tenancy), run once on the memory store and once on
 * a real Redis (ARCHITECTURE.md: one shared suite for the domain). Two services over two
 * connections stand for two instances of one deployment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AuditEvent, createAuditLog } from '../../src/audit/index.js';
import { parseConfig } from '../../src/config/index.js';
import type { Store } from '../../src/store/types.js';
import { type Actor, createTenancy, createTenancySync, type Tenancy, TenancyError, type TenancyErrorCode } from '../../src/tenancy/index.js';
import type { DomainVerifier } from '../../src/tenancy/verification/index.js';
import { baseConfig } from '../helpers/gatehouse.js';
import { TENANT_PORT, tenantOrigin } from '../helpers/ports.js';

export interface Backend {
  /** A store over its own connection; the same prefix reaches the same data. */
  open(prefix: string): Promise<Store>;
}

const CLI: Actor = { kind: 'cli' };
const rejectsWith = (promise: Promise<unknown>, code: TenancyErrorCode) =>
  assert.rejects(promise, (err: unknown) => err instanceof TenancyError && err.code === code);

/** Proves whatever token it is asked about, or refuses all: the HTTP and DNS checks have their own tests. */
const verifier = (ok: { value: boolean }): DomainVerifier => ({
  async verify() {
    if (!ok.value) throw new TenancyError('domain_verification_failed', 'not served');
  },
});

export function tenancySuite(name: string, backend: Backend): void {
  describe(`runtime configuration on ${name}`, () => {
    const prefix = `tenancy-${Math.random().toString(36).slice(2)}`;
    const declared = parseConfig(baseConfig(), {}).declared;
    const proves = { value: true };
    const clock = Date.now();
    const stores: Store[] = [];
    let one: Tenancy;
    let two: Tenancy;
    let events: AuditEvent[];

    async function instance(): Promise<Tenancy> {
      const store = await backend.open(prefix);
      stores.push(store);
      const sync = createTenancySync(store, { pollMs: 100 });
      const audit = createAuditLog(store, { tenants: () => sync.view().tenantIds, onAppended: (e) => void events.push(e) });
      const tenancy = createTenancy({ store, audit, sync, verifier: verifier(proves), now: () => clock });
      await tenancy.start();
      return tenancy;
    }

    before(async () => {
      events = [];
      one = await instance();
      two = await instance();
    });
    after(async () => {
      await one.stop();
      await two.stop();
      for (const s of new Set(stores)) await s.close();
    });

    /** Waits (bounded) until `check` holds on the view of `t`. */
    async function until(t: Tenancy, check: () => boolean) {
      for (let i = 0; i < 200 && !check(); i++) await sleep(10);
      assert.ok(check(), 'the other instance followed the change');
      void t;
    }

    test('the first start seeds an empty store from the file once; concurrent starts agree', async () => {
      const [a, b] = await Promise.all([one.bootstrap(declared), two.bootstrap(declared)]);
      assert.equal([a, b].filter((r) => r?.applied).length, 1, 'exactly one instance seeded');
      assert.deepEqual(one.view().tenants.map((t) => t.id), ['acme', 'globex', 'wonka']);
      await until(two, () => two.view().version === one.view().version);
      assert.equal(two.view().client('acme-app')?.tenant, 'acme');
      assert.equal(two.view().domainOf(tenantOrigin('acme'))?.verified, true, 'domains the operator declares count as verified');
      assert.equal(await one.bootstrap(declared), null, 'a configured store is not seeded again');
      assert.equal(events.filter((e) => e.type === 'tenancy.tenant_created').length, 3);
    });

    test('config apply is idempotent; a dry run changes nothing; prune disables what the file does not name', async () => {
      assert.deepEqual((await one.apply(CLI, declared)).changes, []);
      await one.createTenant(CLI, { id: 'extra', name: 'Extra' });
      const dry = await one.apply(CLI, declared, { prune: true, dryRun: true });
      assert.deepEqual(dry.changes, ['- tenant extra (disabled; its records and audit log stay)']);
      assert.equal(one.view().tenant('extra')?.id, 'extra', 'the dry run left it');
      const changed = structuredClone(declared);
      changed.tenants[0]!.consent = 'approval';
      const applied = await one.apply(CLI, changed, { prune: true });
      assert.deepEqual(applied.changes.sort(), ['- tenant extra (disabled; its records and audit log stay)', '~ tenant acme: consent "none" → "approval"']);
      assert.equal(one.view().tenant('extra'), undefined);
      assert.ok(one.view().tenantIds.includes('extra'), 'a disabled tenant keeps its log');
      assert.deepEqual((await one.apply(CLI, changed, { prune: true })).changes, []);
      await one.apply(CLI, declared);
    });

    test('a protection change goes to the tenant’s own log with before, after and who; a name change does not', async () => {
      events = [];
      const rev = (await one.getTenant(CLI, 'globex')).rev;
      const actor: Actor = { kind: 'client', clientId: 'mgmt', scopes: new Set(['manage:tenants']) };
      const renamed = await one.updateTenant(actor, 'globex', { name: 'Globex Corp' }, rev);
      assert.equal(events.filter((e) => e.type === 'tenant.protection_changed').length, 0);
      await one.updateTenant(actor, 'globex', { consent: 'none', requireSecondAdmin: true }, renamed.rev);
      const changed = events.find((e) => e.type === 'tenant.protection_changed')!;
      assert.equal(changed.log, 'globex');
      assert.equal(changed.client, 'mgmt');
      assert.deepEqual(
        [changed.details?.changed, changed.details?.['before.consent'], changed.details?.['after.consent'], changed.details?.by, changed.details?.via],
        ['consent,requireSecondAdmin', '"access-code"', '"none"', 'mgmt', 'manage-api'],
      );
      assert.equal(events.find((e) => e.type === 'tenancy.tenant_updated')?.log, 'system');
    });

    test('two updates from the same ETag on two instances: exactly one wins, the other is refused', async () => {
      const { rev } = await one.getTenant(CLI, 'wonka');
      const results = await Promise.allSettled([
        one.updateTenant(CLI, 'wonka', { onReplay: 'audit' }, rev),
        two.updateTenant(CLI, 'wonka', { supportTeamLabel: 'helpdesk' }, rev),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal((refused.reason as TenancyError).code, 'precondition_failed');
    });

    test('who may: scopes for clients, manageTenants for admins, anything for the CLI', async () => {
      const reader: Actor = { kind: 'client', clientId: 'mgmt', scopes: new Set(['read:tenants']) };
      assert.equal((await one.getTenant(reader, 'acme')).record.id, 'acme');
      await rejectsWith(one.createTenant(reader, { id: 'nope', name: 'Nope' }), 'insufficient_scope');
      await rejectsWith(one.listRoles(reader), 'insufficient_scope');
      const admin = (roles: string[]): Actor => ({ kind: 'admin', adminId: 'adm_x', roles });
      await rejectsWith(one.createTenant(admin(['support']), { id: 'nope', name: 'Nope' }), 'forbidden');
      await one.putRole(CLI, 'tenant-managers', { tenants: [], manageTenants: true }, { create: true });
      assert.equal((await one.createTenant(admin(['tenant-managers']), { id: 'by-admin', name: 'By admin' })).record.id, 'by-admin');
      const clients: Actor = { kind: 'client', clientId: 'mgmt', scopes: new Set(['manage:clients']) };
      await rejectsWith(one.createClient(clients, { clientId: 'sneaky', role: 'management', grantTypes: ['client_credentials'], scope: 'manage:roles' }), 'forbidden');
      await rejectsWith(one.updateClient(clients, 'support-console', { name: 'x' }, one.view().records.clients.get('support-console')!.rev), 'forbidden');
    });

    test('bad input is refused with the field named, never stored', async () => {
      await rejectsWith(one.createTenant(CLI, { id: 'Bad Id', name: 'x' }), 'body_invalid');
      await rejectsWith(one.createTenant(CLI, { id: 'typo', name: 'x', consnet: 'none' }), 'body_invalid');
      await rejectsWith(one.createTenant(CLI, { id: 'system', name: 'x' }), 'reserved_id');
      await rejectsWith(one.createTenant(CLI, { id: 'acme', name: 'x' }), 'tenant_exists');
      await rejectsWith(one.createTenant(CLI, { id: 'other', name: 'x', domains: [`https://acme.localhost:${TENANT_PORT}`] }), 'domain_taken');
      const rev = (await one.getTenant(CLI, 'acme')).rev;
      const err = await one.updateTenant(CLI, 'acme', { impersonation: { defaultSeconds: 99_999 } }, rev).catch((e) => e as TenancyError);
      assert.ok(err instanceof TenancyError && err.issues?.some((i) => i.path === 'impersonation.defaultSeconds'), String(err));
      await rejectsWith(one.updateTenant(CLI, 'acme', { id: 'renamed' }, rev), 'body_invalid');
      // What the provider would refuse at the client's first use is refused when it is written.
      await rejectsWith(one.createClient(CLI, { clientId: 'no-redirect', role: 'tenant', tenant: 'acme', grantTypes: ['authorization_code'] }), 'body_invalid');
      await rejectsWith(one.createClient(CLI, { clientId: 'odd-scope', role: 'tenant', tenant: 'acme', grantTypes: ['client_credentials'], scope: 'openid foo:bar' }), 'body_invalid');
      await rejectsWith(one.createClient(CLI, { clientId: 'sly-app', role: 'tenant', tenant: 'acme', grantTypes: ['client_credentials'], scope: 'manage:tenants' }), 'body_invalid');
      assert.equal((await one.getTenant(CLI, 'acme')).rev, rev);
    });

    test('a domain is pending until proven, then an audience; removing it strips its URIs and frees its host', async () => {
      await one.addDomain(CLI, 'acme', { origin: 'https://shop.acme.example' });
      assert.deepEqual(one.view().domainOf('https://shop.acme.example'), { tenant: one.view().tenant('acme'), verified: false });
      assert.ok(!one.view().tenant('acme')!.domains.includes('https://shop.acme.example'));
      await rejectsWith(one.createClient(CLI, { clientId: 'shop-app', role: 'tenant', tenant: 'acme', redirectUris: ['https://shop.acme.example/cb'] }), 'uri_not_on_verified_domain');
      proves.value = false;
      await rejectsWith(one.verifyDomain(CLI, 'acme', 'shop.acme.example'), 'domain_verification_failed');
      proves.value = true;
      await one.verifyDomain(CLI, 'acme', 'shop.acme.example');
      await until(two, () => two.view().domainOf('https://shop.acme.example')?.verified === true);
      await one.createClient(CLI, { clientId: 'shop-app', role: 'tenant', tenant: 'acme', redirectUris: ['https://shop.acme.example/cb', `${tenantOrigin('acme')}/cb`] });
      const removed = await one.removeDomain(CLI, 'acme', 'shop.acme.example');
      assert.deepEqual(removed.clientsChanged, ['shop-app']);
      assert.deepEqual(one.view().client('shop-app')?.redirectUris, [`${tenantOrigin('acme')}/cb`]);
      assert.equal(one.view().domainOf('https://shop.acme.example'), undefined);
      assert.equal((await one.addDomain(CLI, 'globex', { origin: 'https://shop.acme.example' })).domain.status, 'pending', 'the host is free again');
    });

    test('a client secret: generated, kept as a hash, rotated with an overlap after which the old one is refused', async () => {
      const { secret } = await one.createClient(CLI, { clientId: 'rotating-app', role: 'tenant', tenant: 'acme', grantTypes: ['client_credentials'] });
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url');
      const raw = await stores[0]!.tenancyRead();
      assert.ok(!raw.records.some((r) => r.body.includes(secret)), 'the store never holds the secret');
      await until(two, () => two.view().checkSecret('rotating-app', secret));
      const rotated = await one.rotateClientSecret(CLI, 'rotating-app', { overlapSeconds: 60 });
      await until(two, () => two.view().checkSecret('rotating-app', rotated.secret));
      assert.ok(two.view().checkSecret('rotating-app', secret, clock + 59_000), 'the old secret works during the overlap');
      assert.ok(!two.view().checkSecret('rotating-app', secret, clock + 60_001), 'and not after it');
      assert.ok(two.view().checkSecret('rotating-app', rotated.secret, clock + 3_600_000));
      const last = events.filter((e) => e.type === 'tenancy.client_secret_rotated').at(-1)!;
      assert.equal(last.details?.overlapSeconds, 60);
      assert.ok(!JSON.stringify(events).includes(rotated.secret), 'no secret in any event');
    });

    test('a deleted client stops authenticating everywhere but keeps its logout target; its id can be used again', async () => {
      const { secret } = await one.createClient(CLI, { clientId: 'doomed-app', role: 'tenant', tenant: 'acme', grantTypes: ['client_credentials'], backchannelLogoutUri: `${tenantOrigin('acme')}/bcl` });
      await until(two, () => two.view().checkSecret('doomed-app', secret));
      await one.deleteClient(CLI, 'doomed-app');
      await until(two, () => two.view().client('doomed-app') === undefined);
      assert.equal(two.view().checkSecret('doomed-app', secret), false);
      assert.equal(two.view().logoutClient('doomed-app')?.backchannelLogoutUri, `${tenantOrigin('acme')}/bcl`);
      await rejectsWith(one.getClient(CLI, 'doomed-app'), 'not_found');
      assert.ok((await one.createClient(CLI, { clientId: 'doomed-app', role: 'tenant', tenant: 'acme', grantTypes: ['client_credentials'] })).secret);
    });

    test('a disabled tenant leaves the hot paths at once: no tenant, no clients, no audience', async () => {
      await one.createTenant(CLI, { id: 'short-lived', name: 'Short lived' });
      await one.createClient(CLI, { clientId: 'short-app', role: 'tenant', tenant: 'short-lived', grantTypes: ['client_credentials'] });
      await one.disableTenant(CLI, 'short-lived');
      await until(two, () => two.view().tenant('short-lived') === undefined);
      assert.equal(two.view().client('short-app'), undefined);
      await rejectsWith(one.createClient(CLI, { clientId: 'late-app', role: 'tenant', tenant: 'short-lived', grantTypes: ['client_credentials'] }), 'tenant_disabled');
      await one.enableTenant(CLI, 'short-lived');
      await until(two, () => two.view().client('short-app') !== undefined);
    });

    test('roles name tenants that exist; replacing one needs its revision', async () => {
      await rejectsWith(one.putRole(CLI, 'ghosts', { tenants: ['nowhere'] }, { create: true }), 'unknown_tenant');
      const { role } = await one.putRole(CLI, 'acme-only', { tenants: ['acme'] }, { create: true });
      await rejectsWith(one.putRole(CLI, 'acme-only', { tenants: '*' }, { create: true }), 'role_exists');
      await rejectsWith(one.putRole(CLI, 'acme-only', { tenants: '*' }, { ifMatch: role.rev - 1 }), 'precondition_failed');
      await one.putRole(CLI, 'acme-only', { tenants: '*', sensitive: true }, { ifMatch: role.rev });
      await until(two, () => two.view().roles.some((r) => r.name === 'acme-only' && r.sensitive));
      await one.deleteRole(CLI, 'acme-only');
      await rejectsWith(one.getRole(CLI, 'acme-only'), 'not_found');
    });

    test('an instance that misses every pub/sub message still follows, by polling the version', async () => {
      const store = await backend.open(prefix);
      stores.push(store);
      // Subscribed, but deaf: every message is lost.
      const deaf = new Proxy(store, { get: (target, p, r) => (p === 'tenancySubscribe' ? async () => async () => {} : Reflect.get(target, p, r)) });
      const sync = createTenancySync(deaf, { pollMs: 100 });
      await sync.start();
      const { rev } = await one.getTenant(CLI, 'initech-polled').catch(async () => one.createTenant(CLI, { id: 'initech-polled', name: 'Polled' }));
      await one.updateTenant(CLI, 'initech-polled', { consent: 'approval' }, rev);
      await until(one, () => sync.view().tenant('initech-polled')?.consent === 'approval');
      await sync.stop();
    });

    test('a change whose audit cannot be written is undone', async () => {
      const store = await backend.open(prefix);
      stores.push(store);
      const sync = createTenancySync(store, { pollMs: 100 });
      const failing = createTenancy({ store, sync, verifier: verifier(proves), audit: { append: () => Promise.reject(new Error('audit down')) } });
      await failing.start();
      const { rev } = await failing.getTenant(CLI, 'acme');
      await assert.rejects(failing.updateTenant(CLI, 'acme', { consent: 'opt-in' }, rev), /audit down/);
      await until(one, () => one.view().version > rev);
      assert.equal((await one.getTenant(CLI, 'acme')).record.consent, 'none', 'the change did not stay');
      await failing.stop();
    });
  });
}
