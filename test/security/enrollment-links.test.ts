/**
 * Passkey enrollment links (PROTOCOL §3.1, §10.1, issue 8 row 1): from the CLI and from the
 * console (an admin who may manage admins, freshly stepped up); 256-bit, stored as a hash,
 * single use across two processes, expiring, asking for the password under a limit that
 * holds under concurrency; issuing and registering are audited and announced by webhook.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256 } from '../../src/impersonation/secrets.js';
import { createRedisClient, keys, type RedisClient } from '../../src/store/index.js';
import { startReceiver, type Receiver, waitFor } from '../audit/helpers.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { runCli } from '../helpers/cli.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { followThrough, pageCsrf } from '../helpers/console-pages.js';
import { givePasskey, issueLink, useLink } from '../helpers/enroll.js';
import { baseConfig, testKeys, type TestGatehouse } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { configureExchange, lastEvent, mintFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';

const PREFIX = 'enroll';
const ATTEMPTS = 3;
const MAX = { email: 'max@gatehouse.test', password: 'max-demo-pass' };
const NEW = (n: number) => ({ email: `new${n}@gatehouse.test`, password: `new${n}-demo-pass` });

describe('passkey enrollment links (CLI, console, two processes, real Redis)', () => {
  let redis: RedisServer;
  let raw: RedisClient;
  let receiver: Receiver;
  let a: TestGatehouse;
  let b: GatehouseProcess;
  let cliEnv: Record<string, string>;
  const maxKey = new SoftwareAuthenticator();

  function configure(config: Parameters<typeof configureExchange>[0]) {
    config.roles.push({ name: 'admin-manager', tenants: '*', manageAdmins: true });
    config.seed.admins.push({ ...MAX, name: 'Max Manager', roles: ['support', 'admin-manager'] });
    for (let n = 1; n <= 6; n++) config.seed.admins.push({ ...NEW(n), name: `New Admin ${n}`, roles: ['support'] });
    config.policy.rateLimits = { enrollmentAttemptsPerLink: { points: ATTEMPTS, duration: 3600 } };
    config.webhooks = [{ url: receiver.url, events: ['*'], format: 'json', secret: 'test-webhook-secret-0001' }];
  }
  const idOf = async (email: string) => (await a.gatehouse.services.accounts.admins.findByEmail(email))!.id;
  const held = async (email: string) => a.gatehouse.services.passkeys.count('admin', await idOf(email));
  /** The webhook delivery of an event (the spawned instance issues seed links too: `via` tells them apart). */
  const announced = (type: string, admin: string, via: string) =>
    waitFor(`a ${type} webhook`, () =>
      receiver.requests.map((r) => JSON.parse(r.body)).find((e) => e.type === type && e.admin === admin && e.details?.via === via),
    );

  before(async () => {
    redis = await startRedisServer();
    raw = createRedisClient({ url: redis.url }, 'store');
    receiver = await startReceiver();
    a = await startExchangeGatehouse({ redisUrl: redis.url, storePrefix: PREFIX, configure });
    const config = baseConfig();
    configureExchange(config);
    configure(config);
    config.storePrefix = PREFIX;
    for (const client of config.clients) if (client.role === 'support-console') client.redirectUris = [`${a.issuer}/admin/callback`];
    const configPath = writeConfig(config);
    b = await spawnGatehouse({ configPath, env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys() }, issuer: a.issuer });
    cliEnv = { REDIS_URL: redis.url, GATEHOUSE_CONFIG: configPath, GATEHOUSE_ISSUER: a.issuer };
    await givePasskey(a, 'admin', MAX.email, maxKey);
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await receiver?.close();
    raw?.disconnect();
    await redis?.stop();
  });

  it('gatehouse admin enroll-link: a 256-bit link stored only as its hash, audited and announced; it asks for the password, then registers once', async () => {
    const res = await runCli(['admin', 'enroll-link', NEW(1).email], cliEnv);
    assert.equal(res.code, 0, res.stderr);
    const url = new URL(res.stdout.trim());
    assert.equal(`${url.origin}${url.pathname}`, `${a.issuer}/admin/enroll`);
    const token = url.searchParams.get('token')!;
    assert.equal(Buffer.from(token, 'base64url').length, 32, '256 bits');
    assert.match(res.stderr, /single use, expires/);

    // Only the hash is stored: no key or value in Redis holds the token.
    assert.equal(await raw.exists(`${PREFIX}:${keys.enrollmentLink(sha256(token))}`), 1);
    for (const key of await raw.keys('*')) {
      assert.ok(!key.includes(token), key);
      if ((await raw.type(key)) === 'string') assert.ok(!(await raw.get(key))!.includes(token), key);
    }
    const issued = await announced('admin.enrollment_link_issued', await idOf(NEW(1).email), 'cli');
    assert.ok(!JSON.stringify(issued).includes(token), 'the event never carries the link');

    const key = new SoftwareAuthenticator();
    assert.equal((await useLink(url.href, 'wrong-password', key)).status, 401);
    const used = await useLink(url.href, NEW(1).password, key, { name: 'Laptop' });
    assert.equal(used.status, 200, JSON.stringify(used.body));
    assert.equal(await held(NEW(1).email), 1);
    const registered = await announced('admin.passkey_registered', await idOf(NEW(1).email), 'enrollment_link');
    assert.equal(registered.details.issuedBy, 'cli');
    assert.equal((await useLink(url.href, NEW(1).password, new SoftwareAuthenticator())).status, 410, 'used up');

    // The enrolled passkey is what the step-up takes, and it mints.
    const { agent } = await signInConsole(a.issuer, NEW(1));
    const actor = (await stepUp(a.issuer, agent, key)).accessToken;
    const minted = await tokenRequest(a.issuer, 'support-console', mintFields(actor, await userId(a, 'acme', 'bob@acme.test')));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
  });

  it('exactly one of 20 concurrent uses of one link, across two processes, registers a passkey', async () => {
    const url = await issueLink(a, NEW(2).email);
    const instances = [a.issuer, `http://localhost:${b.port}`];
    // Twenty browsers get as far as the ceremony, one after the other (each password is
    // right, so none is charged), then all verify at once.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pending: Promise<Awaited<ReturnType<typeof useLink>>>[] = [];
    for (let i = 0; i < 20; i++) {
      const at = new URL(url);
      at.host = new URL(instances[i % 2]!).host;
      let reached: () => void = () => {};
      const ready = new Promise<void>((resolve) => (reached = resolve));
      const use = useLink(at.href, NEW(2).password, new SoftwareAuthenticator(), {
        rpOrigin: a.issuer,
        beforeVerify: async () => {
          reached();
          await gate;
        },
      });
      pending.push(use);
      await Promise.race([ready, use]);
    }
    release();
    const results = await Promise.all(pending);
    assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.ok(results.every((r) => r.status === 200 || r.status === 410), JSON.stringify(results));
    assert.equal(await held(NEW(2).email), 1);
  });

  it(`${20} concurrent wrong passwords verify at most ${ATTEMPTS}; then even the right one waits`, async () => {
    const url = await issueLink(a, NEW(3).email);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => useLink(url.replace(a.issuer, i % 2 ? `http://localhost:${b.port}` : a.issuer), `wrong-${i}`, new SoftwareAuthenticator())));
    assert.equal(results.filter((r) => r.status === 401).length, ATTEMPTS, 'consume first: no more verifications than the limit');
    assert.equal(results.filter((r) => r.status === 429).length, 20 - ATTEMPTS);
    assert.equal((await useLink(url, NEW(3).password, new SoftwareAuthenticator())).status, 429);
    assert.equal(await held(NEW(3).email), 0);
  });

  it('a right password costs nothing; an expired link, a voided one and a disabled admin are refused', async () => {
    const first = await issueLink(a, NEW(4).email);
    for (let i = 0; i < ATTEMPTS + 1; i++) {
      const r = await useLink(first, NEW(4).password, new SoftwareAuthenticator(), { beforeVerify: async () => { throw new Error('stop before verifying'); } }).catch((e: Error) => e);
      assert.match(String(r), /stop before verifying/, 'the right password passes every time');
    }
    const second = await issueLink(a, NEW(4).email);
    assert.equal((await useLink(first, NEW(4).password, new SoftwareAuthenticator())).status, 410, 'a new link voids the old');
    await raw.expire(`${PREFIX}:${keys.enrollmentLink(sha256(new URL(second).searchParams.get('token')!))}`, 1);
    await sleep(1500);
    assert.equal((await useLink(second, NEW(4).password, new SoftwareAuthenticator())).status, 410, 'expired');
    const third = await issueLink(a, NEW(4).email);
    assert.equal((await runCli(['admin', 'disable', NEW(4).email], cliEnv)).code, 0);
    assert.equal((await useLink(third, NEW(4).password, new SoftwareAuthenticator())).status, 410, 'disabled admin');
    assert.equal((await runCli(['admin', 'enroll-link', NEW(4).email], cliEnv)).code, 1);
    assert.equal(await held(NEW(4).email), 0);
  });

  it('from the console: a manager, sent through the step-up, issues a link once; not for themselves; others may not', async () => {
    const target = await idOf(NEW(5).email);
    const { agent } = await signInConsole(a.issuer, MAX);
    const admins = `${a.issuer}/admin/admins`;
    const first = await agent.postForm(`${admins}/${target}/enroll-link`, { csrf: await pageCsrf(agent, admins) });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/admin/stepup');
    // Through the step-up, the request that waited for it is posted again: the link, shown once.
    const issued = await followThrough(agent, new URL(first.headers.get('location')!, a.issuer), maxKey);
    assert.equal(`${issued.url.origin}${issued.url.pathname}`, `${admins}/${target}/enroll-link`);
    assert.equal(issued.status, 200);
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    const url = /id="enrollment-link" readonly value="([^"]+)"/.exec(issued.html)![1]!.replace(/&amp;/g, '&');
    const csrf = await pageCsrf(agent, admins);
    assert.equal((await lastEvent(a, 'admin.enrollment_link_issued'))?.details?.by, await idOf(MAX.email));
    assert.equal((await useLink(url, NEW(5).password, new SoftwareAuthenticator())).status, 200);

    const self = await agent.postForm(`${admins}/${await idOf(MAX.email)}/enroll-link`, { csrf });
    assert.equal(self.status, 409, 'a lost passkey is replaced by another admin or the CLI');
    const { agent: plain, csrf: plainCsrf } = await signInConsole(a.issuer, NEW(1));
    assert.equal((await plain.postForm(`${admins}/${await idOf(NEW(6).email)}/enroll-link`, { csrf: plainCsrf })).status, 403);
    assert.equal((await plain.fetch(admins)).status, 403);
    assert.equal(await held(NEW(6).email), 0);
  });

  it('the console page lists admins with their passkeys, and a new admin without one is told where the first comes from', async () => {
    const { agent } = await signInConsole(a.issuer, MAX);
    const page = await (await agent.fetch(`${a.issuer}/admin/admins`)).text();
    const row = new RegExp(`<tr data-admin="${await idOf(NEW(6).email)}"[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    assert.match(row, /<bdi>new6@gatehouse\.test<\/bdi>/);
    assert.match(row, /<td>0<\/td>\s*<td>active<\/td>/, 'no passkey yet, active');
    assert.match(row, /action="\/admin\/admins\/[^"]+\/enroll-link"/);
    const fresh = new HttpAgent();
    await signInConsole(a.issuer, NEW(6), fresh);
    const passkeys = await (await fresh.fetch(`${a.issuer}/admin/passkeys`)).text();
    assert.match(passkeys, /first passkey comes from a one-time enrollment link/);
    assert.doesNotMatch(passkeys, /id="passkey-register"/);
  });
});
