/**
 * Issue 16 finding 3, PROTOCOL §6: checkpoints never go back, whichever instance signs. Two
 * real `src/server.ts` processes of one deployment on one real redis-server, sharing
 * `audit.stateDir`. Instance one signs a checkpoint of acme's log and stops; whoever holds
 * Redis rolls every key of the log back to an earlier copy (COPY through redis-cli) and
 * appends other events; instance two, which never signed the larger checkpoint, tries to
 * sign: no new checkpoint is served, an alert-level log line and an `audit.checkpoint_refused`
 * event say why. Then both instances restart: still refused, while the other logs go on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { accountSignIn } from '../approvals/setup.js';
import { runCli } from '../helpers/cli.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';
import { freePort } from '../helpers/ports.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { logKeys, redisCli } from './tamper.js';

const ALERT = /"level":60,.*"alert":"audit_checkpoint_refused","log":"acme"/;

describe('checkpoints never go back, whichever instance signs (two processes, real Redis, a shared stateDir)', () => {
  let redis: RedisServer;
  let stateDir: string;
  let configPath: string;
  let env: Record<string, string>;
  let port: number;
  let issuer: string;
  const prefix = `rollback${process.pid}`;
  const running: GatehouseProcess[] = [];

  const start = async (own = false) => {
    const p = await spawnGatehouse({ configPath, env, ...(own ? { issuer } : { port }) });
    running.push(p);
    return { process: p, url: `http://127.0.0.1:${p.port}` };
  };
  const stop = async (p: GatehouseProcess) => {
    await p.stop();
    running.splice(running.indexOf(p), 1);
  };
  /** acme's log grows by one event per sign-in on /account (`user.login`). */
  const signIns = async (url: string, n: number) => {
    for (let i = 0; i < n; i++) await accountSignIn(url, 'acme', 'bob@acme.test', 'bob-demo-pass');
  };
  const served = async (url: string, log = 'acme') => {
    const res = await fetch(`${url}/audit/logs/${log}/checkpoint`);
    return res.status === 200 ? await res.text() : null;
  };
  const sizeOf = (note: string | null) => (note ? Number(note.split('\n')[1]) : -1);
  const logSize = () => Number(redisCli(redis.url, 'HGET', `${prefix}:{audit:acme}:state`, 'size').trim());
  /** Polls (a bounded wait, not a timing assertion) until `check` holds. */
  async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
    for (let i = 0; i < 300; i++) {
      const value = await check();
      if (value) return value;
      await sleep(100);
    }
    throw new Error(`gave up waiting for ${what}`);
  }
  const refusalEvents = async () => {
    const res = await runCli(['audit', 'export', '--log', 'system', '--fresh', '--type', 'audit.checkpoint_refused'], {
      REDIS_URL: redis.url,
      GATEHOUSE_CONFIG: configPath,
      GATEHOUSE_ISSUER: issuer,
      GATEHOUSE_KEYS: env.GATEHOUSE_KEYS!,
    });
    assert.equal(res.code, 0, res.stderr);
    return res.stdout
      .split('\n')
      .filter((line) => line.includes('"event"'))
      .map((line) => (JSON.parse(line) as { event: { type: string; code?: string; reason?: string; details?: { log?: string } } }).event);
  };

  before(async () => {
    redis = await startRedisServer();
    stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-state-'));
    port = await freePort();
    issuer = `http://localhost:${port}`;
    const raw = baseConfig();
    raw.storePrefix = prefix;
    raw.audit = { checkpointSeconds: 1, stateDir };
    for (const c of raw.clients) if (c.role === 'support-console') c.redirectUris = [`${issuer}/admin/callback`];
    configPath = writeConfig(raw);
    env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off', LOG_LEVEL: 'info' };
  });
  after(async () => {
    for (const p of [...running]) await p.stop();
    await redis?.stop();
  });

  it('a rolled-back log gets no new checkpoint from the other instance, nor after both restart; an alert and an audit event say why', async () => {
    const one = await start();
    await signIns(issuer, 3);
    const backupSize = logSize();
    const c0 = await until('a checkpoint of the first events', async () => {
      const note = await served(issuer);
      return sizeOf(note) === backupSize && note;
    });
    // The "backup" whoever holds Redis keeps: every key of the log as it is now.
    const backedUp = logKeys(redis.url, prefix, 'acme');
    for (const name of backedUp) assert.equal(redisCli(redis.url, 'COPY', name, `backup:${name}`).trim(), '1');

    await signIns(issuer, 4);
    const largerSize = logSize();
    const c1 = await until('instance one signs the larger checkpoint', async () => {
      const note = await served(issuer);
      return sizeOf(note) === largerSize && note;
    });
    assert.equal(readFileSync(join(stateDir, 'acme.checkpoint'), 'utf8'), c1, 'the state directory holds the last signed checkpoint');
    await stop(one.process);

    // The rollback, then other events: a self-consistent log of a different history.
    for (const name of logKeys(redis.url, prefix, 'acme')) redisCli(redis.url, 'DEL', name);
    for (const name of backedUp) redisCli(redis.url, 'COPY', `backup:${name}`, name, 'REPLACE');
    assert.equal(logSize(), backupSize);
    const two = await start(true);
    await signIns(two.url, 6);
    assert.ok(logSize() > largerSize, 'the rewritten log is even longer than the checkpoint it contradicts');

    await until('instance two refuses, alert-level', () => ALERT.test(two.process.output()));
    assert.equal(await served(two.url), c0, 'no new checkpoint is served: only the one from before the rollback');
    assert.match(two.process.output(), /ALERT: no checkpoint signed for audit log acme: audit log acme no longer extends the last checkpoint Gatehouse signed/);
    const events = await until('the refusal is audited', async () => {
      const found = (await refusalEvents()).filter((e) => e.details?.log === 'acme');
      return found.length > 0 && found;
    });
    assert.equal(events[0]!.code, 'log_damaged');
    assert.match(events[0]!.reason ?? '', /no longer extends the last checkpoint Gatehouse signed .*size \d+/);
    assert.equal(readFileSync(join(stateDir, 'acme.checkpoint'), 'utf8'), c1, 'the memory still holds the larger checkpoint');

    // Both instances restart: the memory is the directory, not a process.
    await stop(two.process);
    const again = [await start(), await start(true)];
    await signIns(again[1]!.url, 1);
    for (const { process } of again) await until('each restarted instance refuses', () => ALERT.test(process.output()));
    assert.equal(await served(issuer), c0);
    assert.equal(await served(again[1]!.url), c0);
    const cli = await runCli(['audit', 'checkpoint', '--fresh', '--log', 'acme'], { REDIS_URL: redis.url, GATEHOUSE_CONFIG: configPath, GATEHOUSE_ISSUER: issuer, GATEHOUSE_KEYS: env.GATEHOUSE_KEYS! });
    assert.notEqual(cli.code, 0, 'nor does the CLI sign it');
    assert.equal(await served(issuer), c0);
    // The other logs are not held back: the system log (with the refusal events) is signed.
    const system = await until('a checkpoint of the system log', () => served(issuer, 'system'));
    assert.ok(sizeOf(system) > 0);
  });
});
