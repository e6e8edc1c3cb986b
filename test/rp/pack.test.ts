/**
 * `@gatehouse/rp` installs on its own: `npm pack` of packages/rp, installed into an empty folder,
 * brings in jose and nothing else, and every entry point (Koa, Express, fetch) loads there
 * without Koa, Express or the Gatehouse server being installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const kitDir = resolve('packages/rp');
const npm = (args: string[], cwd: string) =>
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' }, maxBuffer: 16 * 1024 * 1024 });

describe('npm pack of @gatehouse/rp', () => {
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-rp-pack-'));
  const consumer = join(work, 'consumer');
  let tarball = '';
  let packed: { files: { path: string }[] }[] = [];

  before(async () => {
    // prepack compiles src to dist; --json lists what the tarball holds.
    const { stdout } = await npm(['pack', '--json', '--pack-destination', work], kitDir);
    packed = JSON.parse(stdout.slice(stdout.indexOf('[')));
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    rmSync(consumer, { recursive: true, force: true });
    await run('mkdir', ['-p', consumer]);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'empty-tenant-app', version: '1.0.0', private: true, type: 'module' }));
    await npm(['install', '--prefer-offline', '--no-package-lock', tarball], consumer);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds the compiled kit, its types and its README, not its sources or tests', () => {
    const files = packed[0]!.files.map((f) => f.path).sort();
    assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), files.join(', '));
    for (const entry of ['koa', 'express', 'fetch']) assert.ok(files.includes(`dist/${entry}/index.js`), entry);
    assert.ok(files.includes('README.md') && files.includes('package.json'));
    assert.deepEqual(
      files.filter((f) => !f.startsWith('dist/') && f !== 'README.md' && f !== 'package.json'),
      [],
      'nothing but dist, README and package.json',
    );
  });

  it('installed into an empty folder, pulls only jose', () => {
    const installed = readdirSync(join(consumer, 'node_modules'), { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.'))
      .flatMap((d) => (d.name.startsWith('@') ? readdirSync(join(consumer, 'node_modules', d.name)).map((n) => `${d.name}/${n}`) : [d.name]))
      .sort();
    assert.deepEqual(installed, ['@gatehouse/rp', 'jose']);
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules/@gatehouse/rp/package.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.dependencies), ['jose']);
  });

  it('every entry point loads there, without Koa or Express installed; the root names no framework', async () => {
    const script = `
      const root = await import('@gatehouse/rp');
      const express = await import('@gatehouse/rp/express');
      const fetchKit = await import('@gatehouse/rp/fetch');
      const koa = await import('@gatehouse/rp/koa');
      const options = { issuer: 'https://login.example.com', clientId: 'c', clientSecret: 's', origin: 'https://app.example.com', cookieKeys: ['k'] };
      express.gatehouseRp(options); fetchKit.gatehouseRp(options); koa.gatehouseRp(options);
      console.log(JSON.stringify([Object.keys(root).sort(), typeof express.forbidWhileImpersonating, typeof fetchKit.gatehouseRp]));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer });
    const [rootExports, forbid, fetchFactory] = JSON.parse(stdout);
    assert.deepEqual(rootExports, [
      'AuditVerificationError',
      'GatehouseRpError',
      'auditLeafHash',
      'discover',
      'introspectToken',
      'readAuditLog',
      'redeemTicket',
      'reportActivity',
      'revokeToken',
      'verifyAuditConsistency',
      'verifyAuditEntries',
      'verifyCheckpoint',
      'verifyConsistency',
      'verifyImpersonationToken',
      'verifyInclusion',
      'verifyLogoutToken',
    ]);
    assert.equal(forbid, 'function');
    assert.equal(fetchFactory, 'function');
  });
});
