/**
 * The real `gatehouse` command, spawned as an operator would run it, against a real Redis
 * and a config derived from the dev config (its tenants and roles; fast argon2 and a key
 * prefix of its own so parallel suites sharing one Redis do not meet).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Accounts, createAccounts } from '../../src/accounts/index.js';
import { validatePrivateJwks } from '../../src/keys/index.js';
import { createStore, type Store, waitForReady } from '../../src/store/index.js';
import { baseConfig } from '../helpers/gatehouse.js';
import { testRedisUrl } from '../helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FAST_ARGON2 = { memoryCost: 8192, timeCost: 1, parallelism: 1 };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gatehouse(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['bin/gatehouse.js', ...args], { cwd: ROOT, env: options.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A failure: the exit status, and exactly one line on stderr with no stack trace. */
function assertFails(run: Run, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, `stderr: ${run.stderr}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${run.stderr}`);
  assert.match(lines[0]!, /^gatehouse: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

describe('gatehouse CLI', () => {
  const prefix = `cli-${Math.random().toString(36).slice(2)}`;
  let env: NodeJS.ProcessEnv;
  let store: Store;
  let accounts: Accounts;

  before(async () => {
    // The dev config with its URLs on the port this process holds (never 3000 or 4000).
    const devConfig = baseConfig();
    const configPath = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-')), 'gatehouse.json');
    const config = { ...devConfig, storePrefix: prefix, policy: { ...devConfig.policy, argon2: FAST_ARGON2 } };
    writeFileSync(configPath, JSON.stringify(config));
    const url = await testRedisUrl();
    env = { PATH: process.env.PATH, GATEHOUSE_CONFIG: configPath, REDIS_URL: url };
    const opened = createStore({ url }, { prefix });
    await waitForReady(opened.redis!, 5_000);
    store = opened.store;
    accounts = createAccounts(store, { argon2: FAST_ARGON2 });
  });
  after(() => store.close());

  test('admin create reads the password from stdin (first line) and never prints it', async () => {
    const run = await gatehouse(['admin', 'create', '--email', 'Ops@GH.test', '--name', 'Ops Person', '--roles', 'support,support-lead'], {
      stdin: 'ops-secret-pass\nnot-this-line\n',
      env,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^created admin ops@gh\.test \(adm_[\w-]{22}\)\n$/);
    assert.equal(run.stderr, '');
    const admin = await accounts.admins.authenticate('ops@gh.test', 'ops-secret-pass');
    assert.deepEqual(admin?.roles, ['support', 'support-lead']);
  });

  test('admin list shows it, without any password or hash', async () => {
    const run = await gatehouse(['admin', 'list'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^EMAIL\s+NAME\s+ROLES\s+STATUS\s+ID\s+CREATED\n/);
    assert.match(run.stdout, /ops@gh\.test\s+Ops Person\s+support,support-lead\s+active\s+adm_/);
    assert.doesNotMatch(run.stdout + run.stderr, /ops-secret-pass|argon2/);
    const json = await gatehouse(['admin', 'list', '--json', '--query', 'OPS'], { env });
    assert.deepEqual(JSON.parse(json.stdout).map((a: { email: string }) => a.email), ['ops@gh.test']);
  });

  test('password set, then admin disable', async () => {
    const set = await gatehouse(['password', 'set', '--admin', 'ops@gh.test'], { stdin: 'ops-new-secret\n', env });
    assert.equal(set.code, 0, set.stderr);
    assert.doesNotMatch(set.stdout + set.stderr, /ops-new-secret/);
    assert.ok(await accounts.admins.authenticate('ops@gh.test', 'ops-new-secret'));
    assert.equal(await accounts.admins.authenticate('ops@gh.test', 'ops-secret-pass'), null);
    const disable = await gatehouse(['admin', 'disable', 'ops@gh.test'], { env });
    assert.equal(disable.code, 0, disable.stderr);
    assert.equal(await accounts.admins.authenticate('ops@gh.test', 'ops-new-secret'), null);
    assert.match((await gatehouse(['admin', 'list'], { env })).stdout, /ops@gh\.test.*disabled/);
  });

  test('user create, list with query, disable, password set', async () => {
    const create = await gatehouse(['user', 'create', '--tenant', 'acme', '--email', 'zoe@acme.test', '--name', 'Zoe Z', '--sensitive'], {
      stdin: 'zoe-secret-pass\n',
      env,
    });
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /created user zoe@acme\.test in tenant acme \(usr_/);
    const list = await gatehouse(['user', 'list', '--tenant', 'acme', '--query', 'zoe'], { env });
    assert.match(list.stdout, /zoe@acme\.test\s+Zoe Z\s+yes\s+active\s+usr_/);
    assert.equal((await gatehouse(['user', 'list', '--tenant', 'globex', '--json'], { env })).stdout.trim(), '[]');
    const pw = await gatehouse(['password', 'set', '--user', 'zoe@acme.test', '--tenant', 'acme'], { stdin: 'zoe-other-pass\n', env });
    assert.equal(pw.code, 0, pw.stderr);
    assert.ok(await accounts.users.authenticate('acme', 'zoe@acme.test', 'zoe-other-pass'));
    assert.equal((await gatehouse(['user', 'disable', '--tenant', 'acme', 'zoe@acme.test'], { env })).code, 0);
    assert.equal(await accounts.users.authenticate('acme', 'zoe@acme.test', 'zoe-other-pass'), null);
  });

  test('refusals: one line, exit 1, nothing created, no password echoed', async () => {
    const args = ['admin', 'create', '--email', 'new@gh.test', '--name', 'New'];
    assertFails(await gatehouse([...args, '--roles', 'support,wizard'], { stdin: 'new-secret-pass\n', env }), 1, /unknown role "wizard"/);
    assertFails(await gatehouse(['admin', 'create', '--email', 'ops@gh.test', '--name', 'Dup'], { stdin: 'x-secret-pass\n', env }), 1, /already exists/);
    const short = await gatehouse(args, { stdin: 'tiny\n', env });
    assertFails(short, 1, /password must be 8/);
    assert.doesNotMatch(short.stderr, /tiny/);
    assertFails(await gatehouse(args, { stdin: '', env }), 1, /no password on standard input/);
    assertFails(await gatehouse(['user', 'list', '--tenant', 'nowhere'], { env }), 1, /unknown tenant "nowhere" \(configured tenants: acme, globex, wonka\)/);
    assertFails(await gatehouse(['admin', 'disable', 'ghost@gh.test'], { env }), 1, /no admin with email ghost@gh\.test/);
    assert.equal(await accounts.admins.findByEmail('new@gh.test'), null);
  });

  test('usage errors: exit 2, one line', async () => {
    assertFails(await gatehouse(['frobnicate'], { env }), 2, /unknown command "frobnicate"/);
    assertFails(await gatehouse([], { env }), 2, /missing command/);
    assertFails(await gatehouse(['admin'], { env }), 2, /usage: gatehouse admin create\|list\|disable\|enable/);
    assertFails(await gatehouse(['admin', 'create', '--email', 'a@gh.test'], { env }), 2, /missing --name/);
    assertFails(await gatehouse(['admin', 'create', '--password=hunter22'], { env }), 2, /Unknown option '--password'/);
    const extra = await gatehouse(['admin', 'disable', 'a@gh.test', 'hunter22'], { env });
    assertFails(extra, 2, /usage: gatehouse admin disable <email>/);
    assert.doesNotMatch(extra.stderr, /hunter22/);
    assertFails(await gatehouse(['password', 'set', '--admin', 'a@gh.test', '--user', 'b@gh.test'], { env }), 2, /exactly one of/);
    const help = await gatehouse(['help'], { env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /gatehouse keys generate \[--out file\]/);
  });

  test('the memory store is refused; an unreachable Redis fails in one line', async () => {
    const memoryEnv = { ...env, REDIS_URL: undefined };
    assertFails(await gatehouse(['admin', 'list'], { env: memoryEnv }), 1, /no store configured: set REDIS_URL/);
    assertFails(await gatehouse(['admin', 'list'], { env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' } }), 1, /cannot reach the store/);
  });

  test('keys generate: a private ES256 + RS256 + Ed25519 JWKS on stdout, or in a 0600 file it will not overwrite', async () => {
    const run = await gatehouse(['keys', 'generate'], { env: { PATH: process.env.PATH } });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /PRIVATE.*keep it secret/);
    const keys = await validatePrivateJwks(JSON.parse(run.stdout), 'stdout');
    assert.deepEqual(keys.map((k) => [k.alg, Boolean(k.d), k.kid?.startsWith('dev-')]), [['ES256', true, false], ['RS256', true, false], ['Ed25519', true, false]]);
    const audit = await gatehouse(['keys', 'generate', '--audit'], { env: { PATH: process.env.PATH } });
    assert.deepEqual(JSON.parse(audit.stdout).keys.map((k: { kty: string; crv: string; alg: string }) => [k.kty, k.crv, k.alg]), [['OKP', 'Ed25519', 'Ed25519']]);
    const out = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-keys-')), 'jwks.json');
    const toFile = await gatehouse(['keys', 'generate', '--out', out], { env: { PATH: process.env.PATH } });
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toFile.stdout, '');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal((await validatePrivateJwks(JSON.parse(readFileSync(out, 'utf8')), out)).length, 3);
    assertFails(await gatehouse(['keys', 'generate', '--out', out], { env: { PATH: process.env.PATH } }), 1, /already exists/);
  });
});
