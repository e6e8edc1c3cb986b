/**
 * Text that cannot lie (PROTOCOL §10.7, issue 8 rows 10 and 13), over HTTP against a real
 * Gatehouse on a real redis-server: reasons count characters (grapheme clusters), reasons,
 * passkey labels and names refuse bidi overrides, isolates and control characters with a
 * message saying so, and every page shows people's text isolated in <bdi>.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { registerPasskey, signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { baseConfig } from '../helpers/gatehouse.js';
import { assertIsolated } from '../helpers/bdi.js';
import { lastEvent, mintFields, redeemFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';

const CONTROLS = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u0007', '\n', '\t', '\u0085', '\u2028'];
const HEBREW_NAME = 'דנה כהן';
const RTL_REASON = 'Ticket #7: החשבונית חסרה';

describe('free text: characters, bidi and control characters, <bdi> (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let actor: string;
  let admin: HttpAgent;
  let dana: string;

  const mint = (extra: Record<string, string>, subject = dana) => tokenRequest(gh.issuer, 'support-console', mintFields(actor, subject, extra));

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.policy.rateLimits = { ticketsPerAdmin: { points: 1000, duration: 600 } };
        raw.seed.users.push({ tenant: 'acme', email: 'dana@acme.test', name: HEBREW_NAME, password: 'dana-demo-pass' });
      },
    });
    const authenticator = new SoftwareAuthenticator();
    ({ agent: admin } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }));
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'key');
    actor = (await stepUp(gh.issuer, admin, authenticator)).accessToken;
    dana = await userId(gh, 'acme', 'dana@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('a reason counts characters (grapheme clusters), not UTF-16 units', async () => {
    const two = await mint({ reason: '👍🏽👍🏽' });
    assert.equal(two.status, 400, 'two characters are under the 3-character minimum');
    assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'reason_invalid');
    const combining = await mint({ reason: 'e\u0301e\u0301' });
    assert.equal(combining.status, 400, 'é written as e + U+0301 is one character');
    const fiveHundred = await mint({ reason: '😀'.repeat(500) });
    assert.equal(fiveHundred.status, 200, `500 emoji are 500 characters: ${JSON.stringify(fiveHundred.body)}`);
    const flags = await mint({ reason: '🇮🇱'.repeat(500) });
    assert.equal(flags.status, 200, `500 flags (4 UTF-16 units each) are 500 characters: ${JSON.stringify(flags.body)}`);
    const piled = await mint({ reason: 'x\u0301\u0302\u0303\u0304'.repeat(500) });
    assert.equal(piled.status, 400, 'past the ceiling of 4 UTF-16 units per character: refused, not a 500');
    const over = await mint({ reason: '😀'.repeat(501) });
    assert.equal(over.status, 400);
    assert.match(over.body.error_description, /3 to 500 characters/);
  });

  it('a reason with a bidi override or isolate, or a control character, is refused and says why', async () => {
    for (const ch of CONTROLS) {
      const res = await mint({ reason: `Ticket #4711 ${ch}gnirts desrever` });
      const label = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      assert.equal(res.status, 400, label);
      assert.equal(res.body.error, 'invalid_request', label);
      assert.match(res.body.error_description, ch >= '\u2000' && ch !== '\u2028' ? /bidirectional/ : /control characters/, label);
      assert.match(res.body.error_description, new RegExp(label.replace('+', '\\+')), label);
      assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'reason_invalid', label);
    }
  });

  it('a passkey label with a bidi override or a control character is refused and says why', async () => {
    const agent = new HttpAgent();
    const signin = await (await agent.fetch(`${gh.issuer}/account`)).text();
    const res = await agent.postForm(`${gh.issuer}/account/login`, { csrf: formFields(signin).csrf ?? '', tenant: 'acme', email: 'bob@acme.test', password: 'bob-demo-pass' });
    assert.equal(res.status, 303);
    const key = new SoftwareAuthenticator();
    await assert.rejects(registerPasskey(agent, gh.issuer, key, 'Laptop \u202Egnp.exe', '/account/passkeys'), /invalid_name.*bidirectional/);
    await assert.rejects(registerPasskey(agent, gh.issuer, new SoftwareAuthenticator(), 'Laptop\nPhone', '/account/passkeys'), /invalid_name.*control/);
    const ok = await registerPasskey(agent, gh.issuer, new SoftwareAuthenticator(), 'מחשב נייד', '/account/passkeys');
    assert.equal(ok.body.passkey.name, 'מחשב נייד');
    assertIsolated(await (await agent.fetch(`${gh.issuer}/account/passkeys`)).text(), 'מחשב נייד', 'passkeys page');
  });

  it('names with a bidi override are refused by the CLI and in the seed, with a clear message', async () => {
    const raw = baseConfig();
    raw.storePrefix = `ft${process.pid}`;
    const configPath = writeConfig(raw);
    const env = { PATH: process.env.PATH, GATEHOUSE_CONFIG: configPath, REDIS_URL: redis.url };
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/gatehouse.js', ...args], { env });
        let stderr = '';
        child.stderr.on('data', (c) => (stderr += c));
        child.stdin.end('a-long-enough-password\n');
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const adminRun = await run(['admin', 'create', '--email', 'eve@gh.test', '--name', 'Eve \u202Enimda', '--roles', 'support']);
    assert.equal(adminRun.code, 1, adminRun.stderr);
    assert.match(adminRun.stderr, /^gatehouse: .*name must not contain bidirectional control characters \(found U\+202E\)/);
    const userRun = await run(['user', 'create', '--tenant', 'acme', '--email', 'eve@acme.test', '--name', 'Eve\u2067']);
    assert.equal(userRun.code, 1, userRun.stderr);
    assert.match(userRun.stderr, /found U\+2067/);
    assert.equal(await gh.gatehouse.services.accounts.users.findByEmail('acme', 'eve@acme.test'), null);

    const { parseConfig } = await import('../../src/config/index.js');
    const seeded = baseConfig();
    seeded.seed.users.push({ tenant: 'acme', email: 'mal@acme.test', name: 'Mal \u202Eyrev', password: 'mal-demo-pass' });
    assert.throws(() => parseConfig(seeded, {}), /seed\.users\[\d+\]\.name: a name must not contain bidirectional/);
  });

  it('every page shows people\'s text in <bdi>: console users, impersonate, sessions, audit; account', async () => {
    const minted = await mint({ reason: RTL_REASON });
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    assert.equal((await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token))).status, 200);

    const page = async (path: string, agent = admin) => (await agent.fetch(`${gh.issuer}${path}`)).text();
    assertIsolated(await page('/admin/users?tenant=acme&q=dana'), HEBREW_NAME, 'console users');
    assertIsolated(await page(`/admin/impersonate?user=${dana}`), HEBREW_NAME, 'console impersonate');
    const sessions = await page('/admin/sessions?tenant=acme');
    assertIsolated(sessions, RTL_REASON, 'console sessions (reason)');
    assertIsolated(await page('/admin/audit?tenant=acme'), RTL_REASON, 'console audit');
    assertIsolated(await page('/admin'), 'alice@gatehouse.test', 'console home');
    assertIsolated(await page('/admin'), RTL_REASON, 'console home (the live session\'s reason)');

    const user = new HttpAgent();
    const signin = await page('/account', user);
    const res = await user.postForm(`${gh.issuer}/account/login`, { csrf: formFields(signin).csrf ?? '', tenant: 'acme', email: 'dana@acme.test', password: 'dana-demo-pass' });
    assert.equal(res.status, 303);
    const account = await page('/account', user);
    assertIsolated(account, HEBREW_NAME, 'account home');
    assertIsolated(account, RTL_REASON, 'account support sessions');
  });
});
