/**
 * The examples the READMEs show (issue 18): every app under examples/ (Koa, Express, a fetch
 * handler on plain node:http)
 * - typechecks as a tenant's own project would: strict, without `skipLibCheck`, against the
 *   kit as `npm pack` ships it, with only its framework's types installed (no `@types/koa` in
 *   an Express or fetch app: the kit's root names no framework);
 * - runs as written against a real Gatehouse with the dev config's acme-app (its default
 *   secret included): a ticket minted after a passkey step-up lands on the banner with the
 *   user's name, the guarded action answers 403, Stop ends the session at Gatehouse.
 * The READMEs show exactly these files (test/docs.test.ts).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { listSessions } from '../../src/impersonation/sessions.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { freePort } from '../helpers/ports.js';
import { mintFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';

const run = promisify(execFile);
const ROOT = resolve('.');
const EXAMPLES = { koa: 'examples/koa/app.ts', express: 'examples/express/app.ts', fetch: 'examples/fetch/server.ts' };
type Example = keyof typeof EXAMPLES;

/** The types each app's own project would install: its framework's, and Node's. */
const TYPES: Record<Example, string[]> = {
  express: ['@types/node', 'undici-types', '@types/express', '@types/express-serve-static-core', '@types/body-parser', '@types/connect', '@types/qs', '@types/range-parser', '@types/send', '@types/serve-static', '@types/http-errors'],
  fetch: ['@types/node', 'undici-types'],
  koa: ['@types/node', 'undici-types', '@types/koa', '@types/koa-compose', '@types/accepts', '@types/cookies', '@types/keygrip', '@types/http-assert', '@types/http-errors', '@types/content-disposition', '@types/express', '@types/express-serve-static-core', '@types/body-parser', '@types/connect', '@types/qs', '@types/range-parser', '@types/send', '@types/serve-static', '@koa/router'],
};

describe('the examples typecheck strictly against the packed kit', () => {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-examples-'));
  let tarball = '';

  before(async () => {
    const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' }, maxBuffer: 16 * 1024 * 1024 });
    await npm(['pack', '--pack-destination', work], resolve('packages/rp'));
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    for (const name of Object.keys(EXAMPLES) as Example[]) {
      const app = join(work, name);
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `${name}-tenant-app`, private: true, type: 'module' }));
      await npm(['install', '--prefer-offline', '--no-package-lock', tarball], app);
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [name, file] of Object.entries(EXAMPLES) as [Example, string][]) {
    it(`${file}: tsc --strict, no skipLibCheck, with only ${name === 'fetch' ? "Node's" : `${name}'s and Node's`} types`, async () => {
      const app = join(work, name);
      for (const pkg of TYPES[name]) {
        mkdirSync(join(app, 'node_modules', pkg, '..'), { recursive: true });
        symlinkSync(join(ROOT, 'node_modules', pkg), join(app, 'node_modules', pkg));
      }
      copyFileSync(file, join(app, 'app.ts'));
      const compilerOptions = { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2024', lib: ['ES2024'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'] };
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }));
      const checked = await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(app, 'tsconfig.json')]).then(
        () => ({ ok: true, output: '' }),
        (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
      );
      assert.ok(checked.ok, `${file} does not typecheck as a tenant's project:\n${checked.output}`);
      if (name !== 'koa') assert.throws(() => readdirSync(join(app, 'node_modules/@types/koa')), 'no Koa types in this app');
    });
  }
});

describe('the examples run as written against a real Gatehouse', () => {
  let gh: TestGatehouse;
  let actorToken: string;
  let bob: string;
  const ports = {} as Record<Example, number>;
  const running: ChildProcess[] = [];

  before(async () => {
    for (const name of Object.keys(EXAMPLES) as Example[]) ports[name] = await freePort();
    // The dev config's acme tenant and acme-app client, with one more origin per example app.
    gh = await startExchangeGatehouse({
      configure: (raw) => {
        const acme = raw.tenants.find((t: { id: string }) => t.id === 'acme');
        for (const port of Object.values(ports)) acme.domains.push(`http://127.0.0.1:${port}`);
      },
    });
    const alice = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
    const { agent } = await signInConsole(gh.issuer, alice);
    const key = new SoftwareAuthenticator();
    await enrollAdmin(gh, alice, key, 'laptop');
    actorToken = (await stepUp(gh.issuer, agent, key)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    for (const child of running) child.kill('SIGTERM');
    await gh?.stop();
  });

  /** Starts the example as its README says (tsx), with only the issuer and its origin set. */
  async function start(file: string, origin: string): Promise<{ output: () => string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_ISSUER: gh.issuer, APP_ORIGIN: origin };
    delete env.GATEHOUSE_CLIENT_SECRET; // the default must be the dev config's
    const child = spawn(process.execPath, ['--import', 'tsx', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    for (let i = 0; !output.includes(`Acme on ${origin}`); i++) {
      if (child.exitCode !== null || i > 300) throw new Error(`${file} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { output: () => output };
  }

  for (const [name, file] of Object.entries(EXAMPLES) as [Example, string][]) {
    it(`${file}: the banner with the user's name, the guarded action refused, Stop ends it at Gatehouse`, async () => {
      const origin = `http://127.0.0.1:${ports[name]}`;
      const app = await start(file, origin);
      const reason = `ZD-${name}: invoices missing`;
      const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actorToken, bob, { audience: origin, reason }));
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      const browser = new HttpAgent();

      const redeemed = await browser.postForm(`${origin}/impersonate`, { ticket: minted.body.access_token });
      assert.equal(redeemed.status, 303, `${await redeemed.text()}\n${app.output()}`);
      const home = await (await browser.fetch(`${origin}/`)).text();
      assert.match(home, /<h1>Hello, Bob Acme<\/h1>/, home);
      assert.match(home, new RegExp(`Alice Admin \\(support\\) is signed in as you: ${reason}`));

      const refused = await browser.postForm(`${origin}/settings/email`, {});
      assert.equal(refused.status, 403);
      const stopped = await browser.postForm(`${origin}/impersonate/stop`, {});
      assert.equal(stopped.status, 303);
      assert.match(await (await browser.fetch(`${origin}/`)).text(), /<h1>Signed out<\/h1>/);
      const [latest] = await listSessions(gh.gatehouse.services.store, { user: bob, tenant: 'acme' }, 1);
      assert.equal(latest?.reason, reason);
      assert.equal(latest?.endReason, 'revoked', 'Stop revoked the session at Gatehouse');
      assert.match(app.output(), /gatehouse: redeemed[\s\S]*gatehouse: stopped/);
    });
  }
});
