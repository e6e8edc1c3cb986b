/**
 * The "Onboarding a customer" examples are files CI runs: the curl script against the
 * management API and the CLI script, each against a real Gatehouse and Redis, with a web
 * server standing for the customer's new domain (it serves the token each script prints).
 * docs/manage-api.md shows exactly these files, and the README leads there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenRequest } from '../exchange/setup.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { configureManagement, OPS, startDomainServer } from './setup.js';

const API_SCRIPT = 'examples/onboarding/onboard-customer.sh';
const CLI_SCRIPT = 'examples/onboarding/onboard-customer-cli.sh';

/**
 * Runs a script; whenever a line of its output matches `prompt`, `answer` serves what it
 * asks for and a newline goes to its standard input (the operator pressing Enter).
 */
function run(script: string, env: Record<string, string>, prompt: RegExp, answer: (match: RegExpExecArray) => void) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = spawn('bash', [script], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = prompt.exec(stdout);
      if (match && !child.stdin.writableEnded) {
        answer(match);
        child.stdin.end('\n');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('the onboarding examples run as written (real Gatehouse, real Redis)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let domains: Awaited<ReturnType<typeof startDomainServer>>;

  before(async () => {
    redis = await startTestRedis();
    domains = await startDomainServer();
    gh = await startGatehouse({ redisEnv: redis.env, configure: configureManagement });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
    await domains?.close();
  });

  it('docs/manage-api.md shows both scripts as they are, and the README leads there', () => {
    const docs = readFileSync('docs/manage-api.md', 'utf8');
    for (const script of [API_SCRIPT, CLI_SCRIPT]) assert.ok(docs.includes(readFileSync(script, 'utf8')), `docs/manage-api.md shows ${script}`);
    assert.match(readFileSync('README.md', 'utf8'), /\(docs\/manage-api\.md#onboarding-a-customer\)/);
  });

  it('the curl script: a tenant, its domain proven over HTTP, its client, a change with If-Match', async () => {
    const origin = `http://app.initrode.localhost:${domains.port}`;
    const result = await run(API_SCRIPT, { ISSUER: gh.issuer, ORIGIN: origin, MGMT_ID: OPS.clientId, MGMT_SECRET: OPS.secret }, /^serve (\S+) at /m, (m) => {
      domains.tokens.set(`app.initrode.localhost:${domains.port}`, m[1]!);
    });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], '{"id":"initrode","consent":"approval"}');
    assert.equal(lines[2], `{"origin":"${origin}","status":"verified"}`);
    const secret = /^client_id=initrode-app client_secret=([A-Za-z0-9_-]{43})$/m.exec(result.stdout)?.[1];
    assert.ok(secret, result.stdout);
    assert.equal(lines.at(-1), '{"id":"initrode","requireSecondAdmin":true}');
    const res = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`initrode-app:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'nothing' }),
    });
    assert.equal(res.status, 200, 'the printed secret authenticates the new client');
  });

  it('the CLI script: the same through the CLI, every command exiting 0', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'gatehouse-bin-'));
    writeFileSync(join(bin, 'gatehouse'), `#!/bin/sh\nexec "${process.execPath}" "${resolve('bin/gatehouse.js')}" "$@"\n`);
    chmodSync(join(bin, 'gatehouse'), 0o755);
    const origin = `http://app.initech.localhost:${domains.port}`;
    const env = {
      ...redis.env,
      PATH: `${bin}:${process.env.PATH}`,
      GATEHOUSE_CONFIG: writeConfig({ ...gh.config, ...gh.config.declared } as unknown as Record<string, unknown>),
      GATEHOUSE_ISSUER: gh.issuer,
      ORIGIN: origin,
    };
    const result = await run(CLI_SCRIPT, env, /^domain: \S+ pending \(token (\S+)\)$/m, (m) => {
      domains.tokens.set(`app.initech.localhost:${domains.port}`, m[1]!);
    });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /verified http:\/\/app\.initech\.localhost:\d+ for tenant initech \(http\)/);
    assert.match(result.stdout, /initech-app has a secret of 43 characters/);
    const view = await gh.gatehouse.services.tenancy.refresh();
    assert.equal(view.tenant('initech')?.requireSecondAdmin, true);
    assert.deepEqual(view.client('initech-app')?.redirectUris, [`${origin}/callback`]);
    const cc = await tokenRequest(gh.issuer, OPS.clientId, { grant_type: 'client_credentials', resource: `${gh.issuer}/manage`, scope: 'read:tenants' });
    assert.equal(cc.status, 200);
  });
});

describe("the README's onboarding example runs as written beside npm start (dev config, memory store)", () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(async () => {
    await gh?.stop();
  });

  it("the dev config's management client creates a tenant and lists them; the README shows the file", async () => {
    const example = 'examples/onboarding/first-tenant.sh';
    assert.ok(readFileSync('README.md', 'utf8').includes(`<!-- example: ${example} -->\n\`\`\`sh\n${readFileSync(example, 'utf8')}\`\`\``));
    const result = await run(example, { ISSUER: gh.issuer }, /^$/, () => undefined);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    // The two lines the script's closing comments say it prints.
    const promised = readFileSync(example, 'utf8').trim().split('\n').slice(-2).map((l) => l.replace(/^# /, ''));
    assert.deepEqual(result.stdout.trim().split('\n'), promised);
    assert.equal(gh.gatehouse.services.tenancy.view().tenant('initrode')?.consent, 'approval');
  });
});
