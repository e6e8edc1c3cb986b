/**
 * What a configuration change answers when the store fails after its commit
 * (src/tenancy/commit.ts): a change committed and audited is answered (a generated secret
 * is not lost) even if this process cannot read it back yet; a change whose audit failed
 * and whose undo failed too is not reported as "nothing was changed", and is logged.
 *
 * The memory store with one command made to fail on demand: an outage between two commands
 * of one change cannot be timed on a real Redis (the HTTP and outage paths have their own
 * tests, test/tenancy/manage-outage.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '../../src/audit/events.js';
import { createAuditLog } from '../../src/audit/index.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { type Store, StoreUnavailableError } from '../../src/store/types.js';
import { type Actor, createTenancy, createTenancySync, TenancyError } from '../../src/tenancy/index.js';
import { LogCapture } from '../helpers/log-capture.js';

const CLI: Actor = { kind: 'cli' };
const MANAGEMENT = { clientId: 'ops-bot', role: 'management', grantTypes: ['client_credentials'], scope: 'read:tenants' };

/** The commands that fail while `failing` names them, as an outage would fail them. */
function faultyStore(store: Store, failing: Set<string>): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (failing.has(String(name))) return Promise.reject(new StoreUnavailableError(new Error(`${String(name)} failed (test)`)));
        return value.apply(target, args);
      };
    },
  });
}

async function instance() {
  const memory = createMemoryStore({ prefix: `commit-${Math.random().toString(36).slice(2)}` });
  const failing = new Set<string>();
  const store = faultyStore(memory, failing);
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const sync = createTenancySync(store, { pollMs: 60_000 });
  const log = createAuditLog(store, { tenants: () => sync.view().tenantIds });
  const audit = {
    failing: false,
    append(input: AuditEventInput) {
      return audit.failing ? Promise.reject(new StoreUnavailableError(new Error('append failed (test)'))) : log.append(input);
    },
  };
  const tenancy = createTenancy({ store, audit, sync, logger, verifier: { verify: async () => undefined } });
  await tenancy.start();
  const close = async () => {
    await tenancy.stop();
    await memory.close();
  };
  return { memory, failing, audit, log, logs, sync, tenancy, close };
}

describe('a configuration change when the store fails after its commit (memory store)', () => {
  it('committed and audited, but not read back: the answer (with the new secret) stands; a warning is logged', async () => {
    const gh = await instance();
    try {
      gh.failing.add('tenancyRead');
      const created = await gh.tenancy.createClient(CLI, MANAGEMENT);
      assert.equal(created.client.record.clientId, 'ops-bot');
      assert.ok(created.secret, 'the generated secret is answered');
      assert.equal((await gh.log.list({ type: 'tenancy.client_created' }, { limit: 10 })).events.length, 1);
      assert.match(gh.logs.text(), /"level":40.*not read back/);
      assert.ok(!gh.logs.text().includes(created.secret));

      gh.failing.clear();
      const view = await gh.sync.refresh();
      assert.ok(view.checkSecret('ops-bot', created.secret), 'the secret answered is the one stored');

      gh.failing.add('tenancyRead');
      const rotated = await gh.tenancy.rotateClientSecret(CLI, 'ops-bot', {});
      gh.failing.clear();
      assert.ok((await gh.sync.refresh()).checkSecret('ops-bot', rotated.secret), 'the rotated secret answered is live');
    } finally {
      await gh.close();
    }
  });

  it('audit failed and undone: 503 store_unavailable, nothing changed', async () => {
    const gh = await instance();
    try {
      gh.audit.failing = true;
      await assert.rejects(gh.tenancy.createTenant(CLI, { id: 'initrode', name: 'Initrode' }), (err: unknown) => err instanceof TenancyError && err.code === 'store_unavailable');
      gh.audit.failing = false;
      assert.equal((await gh.sync.refresh()).records.tenants.get('initrode'), undefined);
    } finally {
      await gh.close();
    }
  });

  it('audit failed and the undo failed too: not "nothing was changed" (503, its own code), logged at error level without secrets', async () => {
    const gh = await instance();
    try {
      gh.audit.failing = true;
      // The commit goes through; the undo (the next commit) does not.
      let commits = 0;
      const memoryCommit = gh.memory.tenancyCommit.bind(gh.memory);
      gh.memory.tenancyCommit = async (...args) => {
        if (++commits > 1) throw new StoreUnavailableError(new Error('undo failed (test)'));
        return memoryCommit(...args);
      };
      const err = await gh.tenancy.createClient(CLI, MANAGEMENT).then(
        () => assert.fail('answered as done'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TenancyError, String(err));
      assert.notEqual(err.code, 'store_unavailable');
      assert.equal(err.status, 503);
      assert.doesNotMatch(err.message, /nothing was changed/);
      gh.memory.tenancyCommit = memoryCommit;
      gh.audit.failing = false;
      assert.ok((await gh.sync.refresh()).records.clients.get('ops-bot'), 'the change stands, as the answer says it may');
      const errors = gh.logs.lines.filter((l) => l.includes('"level":50'));
      assert.equal(errors.length, 1, gh.logs.text());
      assert.match(errors[0]!, /ops-bot/);
      assert.doesNotMatch(errors[0]!, /"secrets"|"hash"/);
    } finally {
      await gh.close();
    }
  });
});
