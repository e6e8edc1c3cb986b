/**
 * Any ports (issue 18): the dev config's URLs follow the issuer (PORT, GATEHOUSE_ISSUER) and
 * the demo app's port (GATEHOUSE_DEMO_PORT); and `npm test` keeps off the dev ports, so it
 * runs beside a developer's `npm start` (CI runs it beside one: .ci/run): no test names a
 * URL on 3000 or 4000, and the tenant origins of every test config are on a port the test
 * process holds.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { followDevPorts, loadConfig, parseConfig } from '../src/config/index.js';
import { baseConfig } from './helpers/gatehouse.js';
import { TENANT_PORT, tenantOrigin } from './helpers/ports.js';

/** Files that name the dev defaults as text and connect to nothing: the documented defaults themselves. */
const NAMES_THE_DEFAULTS = new Set([
  'test/config.test.ts', // the default issuer and the dev config's own domains, parsed
  'test/docker.test.ts', // compose's published port
  'test/dev-ports.test.ts', // this file
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return /\.(ts|js|json)$/.test(name) ? [path] : [];
  });
}

describe('npm test keeps off the dev ports', () => {
  it('no test or test helper names a URL on port 3000 or 4000', () => {
    const found: string[] = [];
    for (const file of [...sources('test'), ...sources('packages/rp/test')]) {
      if (NAMES_THE_DEFAULTS.has(file)) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/(localhost|127\.0\.0\.1|\[::1\]):(3000|4000)\b/.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(found, []);
  });

  it("the tests' dev config: tenant URLs on the port this process holds, the console's on the server's issuer", async () => {
    const raw = baseConfig();
    const tenantUrls = JSON.stringify({ tenants: raw.tenants, clients: raw.clients.filter((c: { role: string }) => c.role === 'tenant') }).match(/https?:\/\/[^"]+/g) ?? [];
    assert.ok(tenantUrls.length > 10);
    for (const url of tenantUrls) assert.equal(new URL(url).port, String(TENANT_PORT), url);
    assert.deepEqual(raw.tenants.map((t: { domains: string[] }) => t.domains[0]), ['acme', 'globex', 'wonka'].map(tenantOrigin));
    const config = parseConfig(raw, { GATEHOUSE_ISSUER: 'http://localhost:45678' });
    assert.deepEqual(config.declared.clients.find((c) => c.role === 'support-console')!.redirectUris, ['http://localhost:45678/admin/callback']);
  });

  it('the port is held: nothing else can listen on it while the tests run', async () => {
    const res = await fetch(`http://127.0.0.1:${TENANT_PORT}/impersonate/backchannel-logout`, { method: 'POST' });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /a test-owned port/);
  });
});

describe('the dev config follows PORT, GATEHOUSE_ISSUER and GATEHOUSE_DEMO_PORT', () => {
  const urlsOf = (config: object) => JSON.stringify(config).match(/https?:\/\/[^"]+/g) ?? [];

  it('PORT and GATEHOUSE_DEMO_PORT move every URL: console callback, tenant domains, redirect, post-logout and back-channel URIs', () => {
    const config = loadConfig({ PORT: '3210', GATEHOUSE_DEMO_PORT: '4210' });
    assert.equal(config.issuer, 'http://localhost:3210');
    const console = config.declared.clients.find((c) => c.role === 'support-console')!;
    assert.deepEqual(console.redirectUris, ['http://localhost:3210/admin/callback']);
    assert.deepEqual(console.postLogoutRedirectUris, ['http://localhost:3210/admin']);
    const acme = config.declared.clients.find((c) => c.clientId === 'acme-app')!;
    assert.deepEqual(acme.redirectUris, ['http://acme.localhost:4210/callback']);
    assert.equal(acme.backchannelLogoutUri, 'http://acme.localhost:4210/impersonate/backchannel-logout');
    assert.deepEqual(config.declared.tenants.map((t) => t.domains), [['http://acme.localhost:4210'], ['http://globex.localhost:4210'], ['http://wonka.localhost:4210']]);
    const left = urlsOf({ tenants: config.declared.tenants, clients: config.declared.clients }).filter((u) => /:(3000|4000)\b/.test(u));
    assert.deepEqual(left, []);
  });

  it('GATEHOUSE_ISSUER wins over PORT for the console', () => {
    const config = loadConfig({ PORT: '3210', GATEHOUSE_ISSUER: 'http://localhost:8443/' });
    assert.deepEqual(config.declared.clients.find((c) => c.role === 'support-console')!.redirectUris, ['http://localhost:8443/admin/callback']);
    assert.deepEqual(config.declared.tenants[0]!.domains, ['http://acme.localhost:4000']);
  });

  it('only whole URLs on the dev defaults move; production configs are left as written', () => {
    const moved = followDevPorts({ a: 'http://localhost:3000/x', b: 'see http://localhost:3000', c: 'http://localhost:30000', d: 'https://acme.localhost:4000' }, 'http://localhost:1', 2);
    assert.deepEqual(moved, { a: 'http://localhost:1/x', b: 'see http://localhost:3000', c: 'http://localhost:30000', d: 'https://acme.localhost:4000' });
    // (Production leaves its config as written: test/config.test.ts.)
  });

  it('GATEHOUSE_DEMO_PORT that is not a port is refused by name', () => {
    assert.throws(() => loadConfig({ GATEHOUSE_DEMO_PORT: 'four' }), /^ConfigError: GATEHOUSE_DEMO_PORT: must be a port number$/);
  });
});
