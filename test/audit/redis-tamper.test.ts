/**
 * Tamper evidence against whoever holds Redis (PROTOCOL §6): each attack is made with
 * `redis-cli` on a real Redis after a checkpoint was saved outside it, and verification
 * against that checkpoint fails — truncation with the log's size repointed, an edited
 * entry, two entries swapped, a complete rewrite with a rebuilt tree, and a rollback of
 * every key of the log to an earlier, self-consistent backup.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type AuditLog, checkpointKey, createAuditLog, issueCheckpoint, logOrigin, verifyLog } from '../../src/audit/index.js';
import { generateAuditKey } from '../../src/keys/index.js';
import { createRedisClient, createRedisStore, keys as storeKeys, type Store, waitForReady } from '../../src/store/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { uniquePrefix } from './helpers.js';
import { logKeys, REWRITE_STREAM, redisCli, restAsPlainJson } from './tamper.js';

const ISSUER = 'https://id.example.com';
const key = checkpointKey(await generateAuditKey());

describe('tampering with a log in Redis is caught by a checkpoint saved earlier', () => {
  let server: RedisServer;
  let store: Store;
  let log: AuditLog;
  let prefix: string;
  let saved: string;
  const k = (name: string) => `${prefix}:{audit:acme}:${name}`;
  const verify = (given = [saved]) => verifyLog(store, { log: 'acme', origin: logOrigin(ISSUER, 'acme'), key, given });
  const checkpoint = async () => (await issueCheckpoint(store, { issuer: ISSUER, key, log: 'acme' })).checkpoint;
  const append = (n: number, from = 0) =>
    Promise.all(Array.from({ length: n }, (_, i) => log.append({ type: 'impersonation.started', admin: 'adm_alice', user: `usr_${from + i}`, tenant: 'acme', reason: `ticket ${from + i}`, outcome: 'success' })));

  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await store?.close();
    await server.stop();
  });
  beforeEach(async () => {
    await store?.close();
    prefix = uniquePrefix('tamper');
    const client = createRedisClient({ url: server.url }, 'store');
    await waitForReady(client, 5_000);
    store = createRedisStore(client, { prefix });
    log = createAuditLog(store, { tenants: () => ['acme'], issuer: ISSUER, key });
    await append(60);
    saved = (await checkpoint()).note;
    assert.equal((await verify()).ok, true);
  });

  test('truncation: the newest entries deleted and the size repointed', async () => {
    await append(3, 60);
    saved = (await checkpoint()).note; // 63 entries, the newest three impersonations included
    for (const index of [60, 61, 62]) redisCli(server.url, 'XDEL', k('leaves'), `${index}-1`);
    redisCli(server.url, 'HSET', k('state'), 'size', '60', 'treeSize', '0');
    for (const tree of logKeys(server.url, prefix, 'acme').filter((name) => name.includes(':tree:'))) redisCli(server.url, 'DEL', tree);
    redisCli(server.url, 'ZREMRANGEBYSCORE', k('checkpoints'), '61', '+inf');
    // Nothing inside Redis shows it any more: without a checkpoint kept elsewhere it passes.
    assert.equal((await verify([])).ok, true);
    const result = await verify();
    assert.equal(result.ok, false);
    assert.equal(result.problem?.kind, 'truncated');
    assert.match(result.problem!.message, /60 entries but the given checkpoint has 63/);
    // The stream still remembers its last id: appends refuse, writing nothing, rather than fork.
    await assert.rejects(append(1, 100), /out of line/);
    assert.equal(redisCli(server.url, 'XLEN', k('leaves')).trim(), '60');
  });

  /** Leaves rest compressed; the editor first puts them back as plain JSON, which verifies as before. */
  const plain = async () => {
    restAsPlainJson(server.url, k('leaves'), await store.tlogRead(storeKeys.auditLog('acme'), 0, 1000));
    assert.equal((await verify()).ok, true, 'the stored format alone is no tampering');
  };

  test('an edited entry', async () => {
    await plain();
    assert.equal(redisCli(server.url, 'EVAL', REWRITE_STREAM, '1', k('leaves'), 'edit', '17-1', 'ticket 17', 'routine check').trim(), '60');
    const result = await verify();
    assert.equal(result.problem?.kind, 'root_mismatch');
  });

  test('two entries swapped', async () => {
    redisCli(server.url, 'EVAL', REWRITE_STREAM, '1', k('leaves'), 'swap', '30-1');
    assert.equal((await verify()).problem?.kind, 'root_mismatch');
  });

  test('a complete rewrite with a rebuilt tree and no kept checkpoints', async () => {
    await plain();
    redisCli(server.url, 'EVAL', REWRITE_STREAM, '1', k('leaves'), 'all', 'adm_alice', 'adm_mallory');
    redisCli(server.url, 'HSET', k('state'), 'treeSize', '0');
    for (const tree of logKeys(server.url, prefix, 'acme').filter((name) => name.includes(':tree:'))) redisCli(server.url, 'DEL', tree);
    redisCli(server.url, 'DEL', k('checkpoints'));
    // The forged log is self-consistent: a checkpointer that remembers nothing would sign it.
    const forged = await createAuditLog(store, { tenants: () => ['acme'], issuer: ISSUER, key }).verify();
    assert.equal(forged.ok, true);
    const result = await verify();
    assert.equal(result.problem?.kind, 'root_mismatch');
  });

  test('a rollback of every key of the log to an earlier backup', async () => {
    // The "backup": a copy of every key of the log now (60 entries, its checkpoint).
    const backedUp = logKeys(server.url, prefix, 'acme');
    assert.ok(backedUp.length >= 4, backedUp.join());
    for (const name of backedUp) assert.equal(redisCli(server.url, 'COPY', name, `backup:${name}`).trim(), '1');
    await append(25, 60);
    saved = (await checkpoint()).note; // 85 entries, saved by a tenant or a SIEM
    for (const name of logKeys(server.url, prefix, 'acme')) redisCli(server.url, 'DEL', name);
    for (const name of backedUp) redisCli(server.url, 'COPY', `backup:${name}`, name, 'REPLACE');
    // Restored: self-consistent, its own checkpoint verifies...
    assert.equal((await verify([])).ok, true);
    // ...but not against the checkpoint taken before the rollback.
    assert.equal((await verify()).problem?.kind, 'truncated');
    // Growing it back past 85 entries does not help: the root at 85 differs.
    await append(30, 1000);
    assert.equal((await verify()).problem?.kind, 'root_mismatch');
  });

  test('a kept checkpoint planted by someone without the key', async () => {
    await append(5, 60);
    const note = saved.replace(/\n(\d+)\n/, '\n63\n');
    redisCli(server.url, 'ZADD', k('checkpoints'), '63', JSON.stringify({ note, time: new Date().toISOString() }));
    assert.equal((await verify([])).problem?.kind, 'bad_checkpoint');
    await assert.rejects(checkpoint(), /signature/, 'and no new checkpoint is signed over it');
  });

  test('a deleted entry in the middle', async () => {
    redisCli(server.url, 'XDEL', k('leaves'), '20-1');
    assert.equal((await verify([])).problem?.kind, 'missing_entry');
  });
});
