/**
 * Access transparency over HTTP on a real Gatehouse and Redis: public checkpoints and
 * key; a tenant's client (client credentials, `audit:read`) reads its own log and proves
 * every entry and the log's growth with the RP kit; another tenant's client is refused;
 * a checkpoint verifies with node:crypto from the published key alone; tampering made
 * through redis-cli is caught on the tenant's side.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuditVerificationError, readAuditLog, verifyCheckpoint } from '../../src/rp/index.js';
import { keys as storeKeys } from '../../src/store/index.js';
import { logKeys, REWRITE_STREAM, redisCli, restAsPlainJson } from '../audit/tamper.js';
import { startReceiver, type Receiver, waitFor } from '../audit/helpers.js';
import { basic, GLOBEX, mintFields, redeemFields, SECRETS, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { givePasskey } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

describe('access transparency: a tenant reads and proves its own audit log (real HTTP, real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let receiver: Receiver;
  let actor: string;
  let bob: string;
  let vkey: string;
  let saved: string;
  const origin = () => `${new URL(gh.issuer).host}/audit/acme`;
  const read = (clientId: string, extra: Partial<Parameters<typeof readAuditLog>[0]> = {}) =>
    readAuditLog({ issuer: gh.issuer, clientId, clientSecret: SECRETS[clientId]!, tenant: 'acme', verifierKey: vkey, ...extra });
  const bearer = async (clientId: string, scope?: string) => {
    const res = await tokenRequest(gh.issuer, clientId, { grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { authorization: `Bearer ${res.body.access_token}` };
  };
  const impersonate = async () => {
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    assert.equal(minted.status, 200);
    assert.equal((await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token))).status, 200);
  };

  before(async () => {
    redis = await startRedisServer();
    receiver = await startReceiver();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.webhooks = [{ url: receiver.url, format: 'json', secret: 'dev-webhook-secret', events: ['audit.checkpoint'] }];
      },
    });
    const key = new SoftwareAuthenticator();
    await givePasskey(gh, 'admin', 'alice@gatehouse.test', key, 'laptop');
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    actor = (await stepUp(gh.issuer, agent, key)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
    await impersonate();
    // A globex refusal: globex's log, not acme's.
    assert.equal((await tokenRequest(gh.issuer, 'support-console', mintFields(actor, await userId(gh, 'globex', 'dave@globex.test'), { audience: GLOBEX }))).status, 400);
    await gh.gatehouse.services.checkpoints.checkpointNow();
    vkey = (await (await fetch(`${gh.issuer}/audit/logs/acme/vkey`)).text()).trim();
  });
  after(async () => {
    await gh?.stop();
    await receiver?.close();
    await redis?.stop();
  });

  it('a checkpoint verifies with node:crypto from the published public key alone', async () => {
    const { jwk } = (await (await fetch(`${gh.issuer}/audit/key`)).json()) as { jwk: { kty: string; crv: string; x: string; d?: string } };
    assert.deepEqual([jwk.kty, jwk.crv, jwk.d], ['OKP', 'Ed25519', undefined]);
    const res = await fetch(`${gh.issuer}/audit/logs/acme/checkpoint`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const note = await res.text();
    // C2SP signed-note by hand: the text up to the blank line, then "— <name> <base64(key id || signature)>".
    const [text, signatures] = [note.slice(0, note.indexOf('\n\n') + 1), note.slice(note.indexOf('\n\n') + 2)];
    const [origin_, size, root] = text.split('\n');
    assert.equal(origin_, origin());
    assert.ok(Number(size) >= 2);
    assert.equal(Buffer.from(root!, 'base64').length, 32);
    const match = /^\u2014 (\S+) (\S+)\n$/u.exec(signatures);
    assert.equal(match?.[1], origin());
    const blob = Buffer.from(match![2]!, 'base64');
    const publicKey = Buffer.from(jwk.x, 'base64url');
    const keyId = createHash('sha256').update(`${origin()}\n`).update(Buffer.of(1)).update(publicKey).digest().subarray(0, 4);
    assert.ok(blob.subarray(0, 4).equals(keyId), 'key id = SHA-256(name || 0x0A || 0x01 || key)[:4]');
    const ed25519 = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    assert.equal(verify(null, Buffer.from(text), ed25519, blob.subarray(4)), true);
    assert.equal(verify(null, Buffer.from(text.replace(/\n\d+\n/, '\n1\n')), ed25519, blob.subarray(4)), false);
    assert.equal(vkey, `${origin()}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(1), publicKey]).toString('base64')}`);
    assert.equal((await fetch(`${gh.issuer}/audit/logs/nope/checkpoint`)).status, 404);
  });

  it("the tenant's client reads its log with proofs, verified by the RP kit", async () => {
    const result = await read('acme-app');
    assert.equal(result.checkpoint.origin, origin());
    const types = result.events.map((e) => e.type);
    assert.ok(types.includes('impersonation.ticket_issued') && types.includes('impersonation.started'), types.join());
    assert.ok(result.events.every((e) => e.log === 'acme' && e.tenant === 'acme'));
    assert.ok(result.events.some((e) => e.type === 'impersonation.started' && e.user === bob && e.reason?.startsWith('Ticket #4711')));
    assert.deepEqual(result.events.map((e) => e.index), result.events.map((_, i) => i));
    saved = result.checkpoint.note;
  });

  it("another tenant's client, a token without audit:read, or none at all is refused", async () => {
    const globex = await fetch(`${gh.issuer}/audit/logs/acme/entries`, { headers: await bearer('globex-app', 'audit:read') });
    assert.equal(globex.status, 403);
    assert.equal(((await globex.json()) as { error: string }).error, 'insufficient_scope');
    await assert.rejects(read('globex-app'), (e: unknown) => e instanceof AuditVerificationError && e.code === 'bad_response');
    const noScope = await fetch(`${gh.issuer}/audit/logs/acme/entries`, { headers: await bearer('acme-app') });
    assert.equal(noScope.status, 403);
    const system = await fetch(`${gh.issuer}/audit/logs/system/entries`, { headers: await bearer('acme-app', 'audit:read') });
    assert.equal(system.status, 403, 'no tenant reads the system log');
    const none = await fetch(`${gh.issuer}/audit/logs/acme/consistency?from=1`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /);
    const forged = await fetch(`${gh.issuer}/audit/logs/acme/entries`, { headers: { authorization: 'Bearer not-a-real-token-at-all' } });
    assert.equal(forged.status, 401);
    // A console client's token is no tenant's.
    const consoleToken = await tokenRequest(gh.issuer, 'support-console', { grant_type: 'client_credentials', scope: 'audit:read' });
    assert.notEqual(consoleToken.status, 200);
    const bad = await fetch(`${gh.issuer}/audit/logs/acme/entries?limit=5000`, { headers: await bearer('acme-app', 'audit:read') });
    assert.equal(bad.status, 400);
    const introspected = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic('acme-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: (await bearer('acme-app', 'audit:read')).authorization.slice(7) }),
    });
    assert.equal(((await introspected.json()) as { scope: string }).scope, 'audit:read');
  });

  it('the next read proves the log only grew since the checkpoint kept from the last', async () => {
    await impersonate();
    await gh.gatehouse.services.checkpoints.checkpointNow(['acme']);
    const next = await read('acme-app', { since: saved });
    assert.ok(next.checkpoint.size > (await verifyCheckpoint(saved, vkey)).size);
    assert.ok(next.events.length > 0);
  });

  it('checkpoints are announced by webhook, and what is announced verifies', async () => {
    const delivery = await waitFor('an audit.checkpoint delivery for acme', () => receiver.requests.find((r) => r.body.includes('"log":"acme"')));
    const body = JSON.parse(delivery.body) as { type: string; checkpoint: string; size: number };
    assert.equal(body.type, 'audit.checkpoint');
    assert.equal((await verifyCheckpoint(body.checkpoint, vkey)).size, body.size);
  });

  it('leaves at rest compressed or as plain JSON (as before compression): the tenant reads the same bytes', async () => {
    const k = (name: string) => `${gh.config.storePrefix}:{audit:acme}:${name}`;
    const entries = async () => (await fetch(`${gh.issuer}/audit/logs/acme/entries`, { headers: await bearer('acme-app', 'audit:read') })).text();
    const compressed = await entries();
    const stored = redisCli(redis.url, '--no-raw', 'XRANGE', k('leaves'), '0-1', '0-1');
    assert.match(stored, /"\\x01/, 'the leaf rests compressed (format 1)');
    const store = gh.gatehouse.services.store;
    restAsPlainJson(redis.url, k('leaves'), await store.tlogRead(storeKeys.auditLog('acme'), 0, 1000));
    assert.match(redisCli(redis.url, '--no-raw', 'XRANGE', k('leaves'), '0-1', '0-1'), /"\{\\"admin\\"/, 'now as plain canonical JSON');
    assert.equal(await entries(), compressed);
  });

  it('an entry edited in Redis fails the tenant-side inclusion check', async () => {
    const k = (name: string) => `${gh.config.storePrefix}:{audit:acme}:${name}`;
    redisCli(redis.url, 'EVAL', REWRITE_STREAM, '1', k('leaves'), 'edit', '0-1', 'Ticket #4711', 'Routine look');
    await assert.rejects(read('acme-app'), (e: unknown) => e instanceof AuditVerificationError && e.code === 'bad_inclusion');
  });

  it('a rollback of the log to an older backup fails against the checkpoint the tenant kept', async () => {
    const prefix = gh.config.storePrefix;
    // Undo the edit of the test before, then keep a backup of every key of the log.
    redisCli(redis.url, 'EVAL', REWRITE_STREAM, '1', `${prefix}:{audit:acme}:leaves`, 'edit', '0-1', 'Routine look', 'Ticket #4711');
    const backedUp = logKeys(redis.url, prefix, 'acme');
    for (const name of backedUp) redisCli(redis.url, 'COPY', name, `backup:${name}`, 'REPLACE');
    await impersonate();
    await gh.gatehouse.services.checkpoints.checkpointNow(['acme']);
    const kept = (await read('acme-app')).checkpoint.note;
    for (const name of logKeys(redis.url, prefix, 'acme')) redisCli(redis.url, 'DEL', name);
    for (const name of backedUp) redisCli(redis.url, 'COPY', `backup:${name}`, name, 'REPLACE');
    await assert.rejects(read('acme-app', { since: kept }), (e: unknown) => e instanceof AuditVerificationError && e.code === 'inconsistent');
    // And the instance that signed the larger checkpoint refuses to sign the smaller log.
    const again = await gh.gatehouse.services.checkpoints.checkpointNow(['acme']);
    assert.deepEqual(again, []);
  });
});
