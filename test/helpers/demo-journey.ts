/**
 * Two people in two headless Chromiums against processes started as `npm start` starts them
 * (src/server.ts with the dev config, the demo tenant app beside it) on a real redis-server:
 * the setup the browser journeys of activity and approval share. The tenants move to a free
 * port; the demo app re-checks introspection only hourly (TENANT_APP_RECHECK_SECONDS=3600),
 * so only a back-channel logout can end a session at once.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { routeSubdomainsToLoopback } from '../examples/subdomain-fetch.js';
import { addVirtualAuthenticator, launchBrowser, type TestBrowser } from './browser.js';
import { baseConfig, testKeys, tenantsOn } from './gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from './gatehouse-process.js';
import { freePort } from './ports.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

export const ARTIFACTS = 'test-artifacts';

export interface DemoJourney {
  issuer: string;
  /** The demo tenant app's origin for `tenant`, e.g. http://acme.localhost:P. */
  tenantOrigin: string;
  admin: TestBrowser;
  customer: TestBrowser;
  gatehouse: GatehouseProcess;
  /** Any 5xx or CSP violation either browser saw. */
  problems: string[];
  /** Reloads until `ready` holds (pages change only when their server says so). */
  reloadUntil(page: Page, ready: () => Promise<boolean>, what: string, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemoJourney(options: { tenant: string; storePrefix: string; logFilter: RegExp }): Promise<DemoJourney> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const restoreFetch = routeSubdomainsToLoopback();
  const redis: RedisServer = await startRedisServer();
  const [port, tenantPort] = [await freePort(), await freePort()];
  const issuer = `http://localhost:${port}`;
  const tenantOrigin = `http://${options.tenant}.localhost:${tenantPort}`;
  const raw = baseConfig();
  const moved = <T>(value: T) => tenantsOn(value, tenantPort);
  raw.tenants = moved(raw.tenants);
  raw.clients = moved(raw.clients);
  raw.storePrefix = `${options.storePrefix}${process.pid}`;
  for (const c of raw.clients) {
    if (c.role === 'support-console') {
      c.redirectUris = [`${issuer}/admin/callback`];
      c.postLogoutRedirectUris = [`${issuer}/admin`];
    }
  }
  const app = raw.clients.find((c: { clientId: string }) => c.clientId === `${options.tenant}-app`);
  assert.equal(app.backchannelLogoutUri, `${tenantOrigin}/impersonate/backchannel-logout`, 'the dev config points it at the demo app');
  const gatehouse = await spawnGatehouse({
    configPath: writeConfig(raw),
    port,
    demoApp: true,
    env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), TENANT_APP_RECHECK_SECONDS: '3600' },
  });
  for (let i = 0; ; i++) {
    const res = await fetch(`${tenantOrigin}/`).catch(() => null);
    if (res?.ok) break;
    if (i > 100) throw new Error(`the demo tenant app did not start:\n${gatehouse.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const problems: string[] = [];
  const [admin, customer] = [await launchBrowser(), await launchBrowser()];
  for (const [who, b] of [['admin', admin], ['customer', customer]] as const) {
    await b.page.setViewportSize({ width: 1100, height: 660 });
    await addVirtualAuthenticator(b.page);
    b.page.on('response', (res) => {
      if (res.status() >= 500) problems.push(`${who}: ${res.status()} ${res.url()}`);
    });
    b.page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) problems.push(`${who}: ${msg.text()}`);
    });
  }
  return {
    issuer,
    tenantOrigin,
    admin,
    customer,
    gatehouse,
    problems,
    async reloadUntil(page, ready, what, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!(await ready())) {
        if (Date.now() > deadline) {
          const logs = gatehouse.output().split('\n').filter((l) => options.logFilter.test(l)).slice(-30).join('\n');
          throw new Error(`timed out waiting for ${what}; the page says:\n${await page.innerText('body')}\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 250));
        await page.reload();
      }
    },
    async stop() {
      await admin.close();
      await customer.close();
      await gatehouse.stop();
      await redis.stop();
      restoreFetch();
    },
  };
}
