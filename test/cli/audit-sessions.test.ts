/**
 * `gatehouse audit checkpoint|verify|export|archive` and `gatehouse sessions list|end`,
 * run as the real command against a real redis-server; the log is tampered with through
 * `redis-cli`, as whoever holds Redis would.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuditLog } from '../../src/audit/index.js';
import { findSession, startSession } from '../../src/impersonation/sessions.js';
import { createStore, type Store, waitForReady } from '../../src/store/index.js';
import { logKeys, redisCli } from '../audit/tamper.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { TENANT_PORT, tenantOrigin } from '../helpers/ports.js';

/** The CLI's issuer: a test-owned origin, named in every checkpoint. */
const ISSUER_HOST = `localhost:${TENANT_PORT}`;
const CONFIG = writeConfig(baseConfig());

function gatehouse(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/gatehouse.js', ...args], {
      env: { ...process.env, GATEHOUSE_CONFIG: CONFIG, GATEHOUSE_ISSUER: `http://${ISSUER_HOST}`, ...env },
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
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-audit-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    redis = await startRedisServer();
    // The dev config's prefix: the CLI reads the same config as the server.
    const created = createStore({ url: redis.url }, { prefix: 'gh' });
    store = created.store;
    await waitForReady(created.redis!, 5000);
    env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys() };
    // The reproduction of the issue: 1,018 events, the newest an impersonation.started.
    const audit = createAuditLog(store, { tenants: () => ['acme', 'globex'] });
    await Promise.all(
      Array.from({ length: 1015 }, (_, i) =>
        audit.append({ type: 'impersonation.ticket_issued', outcome: 'success', admin: 'adm_1', user: `usr_${i}`, tenant: i % 5 === 0 ? 'globex' : 'acme' }),
      ),
    );
    for (let i = 0; i < 3; i++) await audit.append({ type: 'impersonation.started', outcome: 'success', admin: 'adm_1', user: 'usr_bob', tenant: 'acme', reason: `ticket ${i}` });
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
  });

  let saved: string;

  it('audit checkpoint --fresh signs every log; its output is what verify takes back', async () => {
    const fresh = await gatehouse(['audit', 'checkpoint', '--fresh'], env);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, new RegExp(`^${ISSUER_HOST}/audit/acme\n815\n[A-Za-z0-9+/]{43}=\n\n\u2014 ${ISSUER_HOST}/audit/acme `, 'm'));
    assert.match(fresh.stdout, new RegExp(`^${ISSUER_HOST}/audit/globex\n203\n`, 'm'));
    assert.match(fresh.stdout, new RegExp(`^${ISSUER_HOST}/audit/system\n0\n`, 'm'));
    const acme = await gatehouse(['audit', 'checkpoint', '--log', 'acme'], env);
    assert.equal(acme.code, 0, acme.stderr);
    saved = file('acme.checkpoint', acme.stdout);
    const verified = await gatehouse(['audit', 'verify', '--checkpoint', file('all.checkpoints', fresh.stdout)], env);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /audit log acme ok: 815 entries, 2 checkpoints matched, newest checkpoint 815/);
    assert.match(verified.stdout, /audit log globex ok: 203 entries/);
    assertUsage(await gatehouse(['audit', 'checkpoint', '--log', 'nope'], env), /no log "nope"/);
  });

  it('audit export writes NDJSON that verifies offline, whole or filtered', async () => {
    const whole = await gatehouse(['audit', 'export', '--log', 'acme'], env);
    assert.equal(whole.code, 0, whole.stderr);
    const lines = whole.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 816);
    assert.equal(lines[0].format, 'gatehouse-audit/1');
    assert.ok(lines.slice(1).every((l) => l.event.tenant === 'acme'));
    const offline = await gatehouse(['audit', 'verify', '--file', file('acme.ndjson', whole.stdout), '--checkpoint', saved], { ...env, REDIS_URL: 'redis://127.0.0.1:1' });
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /export of acme \(0–815\): 815 entries ok/);
    const filtered = await gatehouse(['audit', 'export', '--log', 'acme', '--type', 'impersonation.started'], env);
    const proven = await gatehouse(['audit', 'verify', '--file', file('started.ndjson', filtered.stdout)], env);
    assert.match(proven.stdout, /3 entries ok, each with its inclusion proof/);
    const forged = await gatehouse(['audit', 'verify', '--file', file('forged.ndjson', whole.stdout.replace('"user":"usr_7"', '"user":"usr_8"'))], env);
    assert.equal(forged.code, 1);
    assert.match(forged.stderr, /do not hash to the checkpoint/);
    assertUsage(await gatehouse(['audit', 'export', '--from', 'yesterday-ish'], env), /--from: not a date/);
  });

  it('sessions list shows a session and sessions end ends it, audited', async () => {
    const session = await startSession(store, {
      admin: 'adm_1', user: 'usr_1', tenant: 'acme', audience: tenantOrigin('acme'),
      client: 'acme-app', reason: 'ticket 1', scope: ['openid'], duration: 600,
    });
    const listed = await gatehouse(['sessions', 'list', '--tenant', 'acme'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${session.sid}\tactive`));
    const ended = await gatehouse(['sessions', 'end', session.sid], env);
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal((await findSession(store, session.sid))?.endReason, 'ended_by_admin');
    // acme-app has a backchannelLogoutUri in the dev config: the logout waits on the durable
    // queue for a running Gatehouse to sign and deliver it.
    const job = redisCli(redis.url, 'HGET', `{gh:bull}:backchannel-logout:logout-${session.sid}`, 'data');
    const data = JSON.parse(job || '{}') as { sid?: string; clientId?: string; sub?: string };
    assert.deepEqual([data.sid, data.clientId, data.sub], [session.sid, 'acme-app', 'usr_1']);
    const again = await gatehouse(['sessions', 'end', session.sid], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already ended/);
    const usage = await gatehouse(['sessions', 'list'], env);
    assert.equal(usage.code, 2);
  });

  it('the truncation of the issue fails verification: the newest 3 deleted and the size repointed', async () => {
    const k = (name: string) => `gh:{audit:acme}:${name}`;
    for (const index of [812, 813, 814]) assert.equal(redisCli(redis.url, 'XDEL', k('leaves'), `${index}-1`).trim(), '1');
    redisCli(redis.url, 'HSET', k('state'), 'size', '812', 'treeSize', '0');
    for (const tree of logKeys(redis.url, 'gh', 'acme').filter((name) => name.includes(':tree:'))) redisCli(redis.url, 'DEL', tree);
    redisCli(redis.url, 'DEL', k('checkpoints'));
    // Nothing left in Redis says so: with no checkpoint held elsewhere, it would pass.
    const blind = await gatehouse(['audit', 'verify', '--log', 'acme'], env);
    assert.equal(blind.code, 0, blind.stderr);
    const res = await gatehouse(['audit', 'verify', '--log', 'acme', '--checkpoint', saved], env);
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(res.stderr, /audit log acme: truncated: the log has 812 entries but the given checkpoint has 815/);
  });

  it('audit archive moves old entries out of Redis into files that verify with the export of the rest', async () => {
    const archived = await gatehouse(['audit', 'archive', '--log', 'globex', '--dir', join(dir, 'archive'), '--older-than-days', '0'], env);
    assert.equal(archived.code, 0, archived.stderr);
    assert.match(archived.stdout, /archived globex entries 0–202 to .*globex-000000000000-000000000203\.ndjson/);
    const [archive] = readdirSync(join(dir, 'archive'));
    const rest = await gatehouse(['audit', 'export', '--log', 'globex'], env);
    const chained = await gatehouse(['audit', 'verify', '--file', join(dir, 'archive', archive!), '--file', file('rest.ndjson', rest.stdout)], env);
    assert.equal(chained.code, 0, chained.stderr);
    assert.match(chained.stdout, /archive of globex \(0–203\): 203 entries ok/);
    const live = await gatehouse(['audit', 'verify', '--log', 'globex'], env);
    assert.equal(live.code, 0, live.stderr);
    assertUsage(await gatehouse(['audit', 'archive'], env), /--dir/);
  });
});

function assertUsage(res: { code: number; stderr: string }, pattern: RegExp) {
  assert.equal(res.code, 2, res.stderr);
  assert.equal(res.stderr.trim().split('\n').length, 1);
  assert.match(res.stderr, pattern);
}
