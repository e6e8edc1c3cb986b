/**
 * Issue 16 finding 4, PROTOCOL §10.7: one rule for text from people. Reasons (at the mint
 * and in access requests), account names, passkey labels and the config's names and labels
 * refuse every Bidi_Control and Default_Ignorable_Code_Point character and the tag block,
 * naming the character; ZWJ and VS16 pass only inside an emoji sequence. Two real
 * `src/server.ts` processes on one real Redis, the real CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { runCli } from '../helpers/cli.js';
import { registerPasskey, signInConsole, stepUp } from '../helpers/console.js';
import { useLink } from '../helpers/enroll.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnPair } from '../helpers/gatehouse-process.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { accountSignIn, ALICE, fileRequest } from '../approvals/setup.js';
import { mintFields, tokenRequest } from '../exchange/setup.js';

/** The characters the review found passing, each with the word the refusal uses. */
const INVISIBLE: [string, RegExp][] = [
  ['\u200E', /bidirectional control/],
  ['\u200F', /bidirectional control/],
  ['\u061C', /bidirectional control/],
  ['\u200B', /invisible/],
  ['\uFEFF', /invisible/],
  ['\u{E0041}', /invisible/],
  ['\u{E0001}', /invisible/],
  ['\u{E007F}', /invisible/],
];
const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
const names = (ch: string) => new RegExp(codePoint(ch).replace('+', '\\+'));
/** Accepted: ZWJ and VS16 inside RGI emoji sequences. Refused: the same alone or joining letters. */
const EMOJI_OK = ['👩\u200D💻 pairing on it', '❤\uFE0F for the customer', '👨\u200D👩\u200D👧 family account'];
const EMOJI_ALONE: [string, string][] = [
  ['Ticket 12 a\u200Db', '\u200D'],
  ['Ticket 12 \uFE0F', '\uFE0F'],
  ['Ticket 12 x\uFE0F', '\uFE0F'],
];

describe('invisible and bidi characters in text from people (two processes, real Redis)', () => {
  let redis: RedisServer;
  let one: GatehouseProcess;
  let two: GatehouseProcess;
  let instances: string[];
  let cliEnv: Record<string, string>;
  let alice: HttpAgent;
  let actor: string;
  let bob: string;
  let charlie: string;
  const key = new SoftwareAuthenticator();

  const mint = (i: number, reason: string) => tokenRequest(instances[i % 2]!, 'support-console', mintFields(actor, bob, { reason }));
  const userOf = async (tenant: string, q: string) => {
    const page = await (await alice.fetch(`${instances[0]}/admin/users?tenant=${tenant}&q=${q}`)).text();
    const id = /data-user="(usr_[^"]+)"/.exec(page)?.[1];
    assert.ok(id, `${q} is listed`);
    return id;
  };

  before(async () => {
    redis = await startRedisServer();
    const raw = baseConfig();
    raw.storePrefix = `invisible${process.pid}`;
    raw.policy.rateLimits = { ticketsPerAdmin: { points: 10_000, duration: 900 } };
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off', LOG_LEVEL: 'warn' };
    const pair = await spawnPair(raw, env);
    ({ one, two } = pair);
    instances = [pair.issuer, `http://127.0.0.1:${two.port}`];
    cliEnv = { REDIS_URL: redis.url, GATEHOUSE_CONFIG: pair.configPath, GATEHOUSE_ISSUER: pair.issuer };
    const link = await runCli(['admin', 'enroll-link', ALICE.email], cliEnv);
    assert.equal((await useLink(link.stdout.trim().split('\n')[0]!, ALICE.password, key)).status, 200, link.stderr);
    ({ agent: alice } = await signInConsole(pair.issuer, ALICE));
    actor = (await stepUp(pair.issuer, alice, key)).accessToken;
    bob = await userOf('acme', 'bob');
    charlie = await userOf('wonka', 'charlie');
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  it('a reason at the mint refuses each of them, on either process, and names it', async () => {
    for (const [i, [ch, word]] of INVISIBLE.entries()) {
      for (const reason of [`Ticket #4711 ${ch}checking invoices`, `${ch}Ticket #4711 checking invoices`, `Ticket #4711 checking invoices${ch}`]) {
        const res = await mint(i, reason);
        assert.equal(res.status, 400, `${codePoint(ch)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, 'invalid_request');
        assert.match(res.body.error_description, word, codePoint(ch));
        assert.match(res.body.error_description, names(ch));
      }
    }
  });

  it('ZWJ and VS16 pass inside an emoji sequence and are refused alone', async () => {
    for (const [i, reason] of EMOJI_OK.entries()) {
      const res = await mint(i, `Ticket 12: ${reason}`);
      assert.equal(res.status, 200, `${reason}: ${JSON.stringify(res.body)}`);
    }
    for (const [i, [reason, ch]] of EMOJI_ALONE.entries()) {
      const res = await mint(i, reason);
      assert.equal(res.status, 400, JSON.stringify(reason));
      assert.match(res.body.error_description, new RegExp(`${names(ch).source} outside an emoji`));
    }
  });

  it('an access request (approval) reason refuses each of them in the console', async () => {
    for (const [ch, word] of [...INVISIBLE, ['\u200D', /outside an emoji/] as [string, RegExp]]) {
      const filed = await fileRequest(instances[0]!, alice, charlie, { reason: `Ticket 99 security${ch} review` });
      assert.equal(filed.status, 400, codePoint(ch));
      assert.match(filed.html, word, codePoint(ch));
      assert.match(filed.html, names(ch));
    }
    const ok = await fileRequest(instances[0]!, alice, charlie, { reason: `Ticket 99 ${EMOJI_OK[0]}` });
    assert.equal(ok.status, 303, ok.html);
    assert.ok(ok.id);
  });

  it('names (gatehouse admin create, user create) and passkey labels refuse each of them', async () => {
    for (const [i, [ch, word]] of INVISIBLE.entries()) {
      const admin = await runCli(['admin', 'create', '--email', `eve${i}@gh.test`, '--name', `Eve${ch} Admin`, '--roles', 'support'], cliEnv, 'a-long-enough-password\n');
      assert.equal(admin.code, 1, admin.stderr);
      assert.match(admin.stderr, word, codePoint(ch));
      assert.match(admin.stderr, names(ch));
      const user = await runCli(['user', 'create', '--tenant', 'acme', '--email', `eve${i}@acme.test`, '--name', `${ch}Eve User`], cliEnv, 'a-long-enough-password\n');
      assert.equal(user.code, 1, user.stderr);
      assert.match(user.stderr, names(ch));
    }
    const created = await runCli(['user', 'create', '--tenant', 'acme', '--email', 'ada@acme.test', '--name', 'Ada 👩\u200D💻'], cliEnv, 'a-long-enough-password\n');
    assert.equal(created.code, 0, created.stderr);

    // On the issuer's origin: a passkey is bound to it (the second process answers there too behind a balancer).
    const account = await accountSignIn(instances[0]!, 'acme', 'bob@acme.test', 'bob-demo-pass');
    for (const [ch] of INVISIBLE) {
      await assert.rejects(registerPasskey(account, instances[0]!, new SoftwareAuthenticator(), `Laptop${ch}`, '/account/passkeys'), names(ch));
    }
    const ok = await registerPasskey(account, instances[0]!, new SoftwareAuthenticator(), 'Laptop ❤\uFE0F', '/account/passkeys');
    assert.equal(ok.body.passkey.name, 'Laptop ❤\uFE0F');
  });

  it("the config's names and labels (seed, tenants, supportTeamLabel) refuse each of them", () => {
    for (const [ch] of INVISIBLE) {
      const seeded = baseConfig();
      seeded.seed.users.push({ tenant: 'acme', email: 'mal@acme.test', name: `Mal${ch}`, password: 'mal-demo-pass' });
      assert.throws(() => parseConfig(seeded, {}), names(ch));
      const tenant = baseConfig();
      tenant.tenants[0].name = `Acme${ch} Corp`;
      assert.throws(() => parseConfig(tenant, {}), names(ch));
      const label = baseConfig();
      label.tenants[0].supportTeamLabel = `Support${ch}`;
      assert.throws(() => parseConfig(label, {}), /support team label must not contain/);
    }
  });
});
