/**
 * `gatehouse audit verify|export` and `gatehouse sessions list|end`, run as the real
 * command against a real redis-server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createAuditLog } from '../../src/audit/index.js';
import { DEFAULT_CONFIG_PATH } from '../../src/config/index.js';
import { findSession, startSession } from '../../src/impersonation/sessions.js';
import { createRedisClient, createStore, keys, type Store, waitForReady } from '../../src/store/index.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

function gatehouse(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/gatehouse.js', ...args], {
      env: { ...process.env, GATEHOUSE_CONFIG: DEFAULT_CONFIG_PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('gatehouse audit and sessions (real CLI, real Redis)', () => {
  let redis: RedisServer;
  let store: Store;
  let env: Record<string, string>;

  before(async () => {
    redis = await startRedisServer();
    // The dev config's prefix: the CLI reads the same config as the server.
    const created = createStore({ url: redis.url }, { prefix: 'gh' });
    store = created.store;
    await waitForReady(created.redis!, 5000);
    env = { REDIS_URL: redis.url };
    const audit = createAuditLog(store);
    for (const tenant of ['acme', 'globex', 'acme']) {
      await audit.append({ type: 'impersonation.ticket_issued', outcome: 'success', admin: 'adm_1', user: 'usr_1', tenant });
    }
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
  });

  it('audit verify passes on an intact chain', async () => {
    const res = await gatehouse(['audit', 'verify'], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /audit chain ok: 3 events/);
  });

  it('audit export prints NDJSON, filtered by tenant', async () => {
    const res = await gatehouse(['audit', 'export', '--tenant', 'acme'], env);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.ok(lines.every((e) => e.tenant === 'acme' && e.hash && e.prevHash));
    const bad = await gatehouse(['audit', 'export', '--from', 'yesterday-ish'], env);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });

  it('sessions list shows a session and sessions end ends it, audited', async () => {
    const session = await startSession(store, {
      admin: 'adm_1', user: 'usr_1', tenant: 'acme', audience: 'http://acme.localhost:4000',
      client: 'acme-app', reason: 'ticket 1', scope: ['openid'], duration: 600,
    });
    const listed = await gatehouse(['sessions', 'list', '--tenant', 'acme'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${session.sid}\tactive`));
    const ended = await gatehouse(['sessions', 'end', session.sid], env);
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal((await findSession(store, session.sid))?.endReason, 'ended_by_admin');
    const again = await gatehouse(['sessions', 'end', session.sid], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already ended/);
    const usage = await gatehouse(['sessions', 'list'], env);
    assert.equal(usage.code, 2);
  });

  it('audit verify fails, naming the event, after one stored event is deleted', async () => {
    const raw = createRedisClient({ url: redis.url }, 'store');
    await waitForReady(raw, 5000);
    const entries = (await raw.xrange(`gh:${keys.auditStream()}`, '-', '+')) as [string, string[]][];
    await raw.xdel(`gh:${keys.auditStream()}`, entries[1]![0]);
    raw.disconnect();
    const res = await gatehouse(['audit', 'verify'], env);
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(res.stderr, /audit chain broken at event #1/);
  });
});
