/**
 * Onboarding a customer from the console (issue 15, PROTOCOL §11), in headless Chromium with
 * a CDP virtual authenticator, against a process started as `npm start` starts it on a real
 * redis-server: Alice (whose role has `manageTenants`) follows the Tenants link, creates
 * Initrode — the console sends her through the passkey step-up and finishes the creation
 * after it — adds its domain, served by a `*.localhost` test server, verifies it over HTTP,
 * creates its app and sees the secret once, and moves its consent mode. Not one 4xx or 5xx
 * on the way, and no CSP violation. A screenshot of the tenant page goes to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SECRETS, tokenRequest } from '../exchange/setup.js';
import { addVirtualAuthenticator, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { ALICE, enrollAndSignIn, enrollmentLinkOf } from '../helpers/browser-console.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startDomainServer } from '../tenancy/setup.js';

const ARTIFACTS = 'test-artifacts';

describe('onboarding a customer from the console (Chromium, npm start process, real Redis)', () => {
  let redis: RedisServer;
  let gatehouse: GatehouseProcess;
  let browser: TestBrowser;
  let domains: Awaited<ReturnType<typeof startDomainServer>>;
  let issuer: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    redis = await startRedisServer();
    domains = await startDomainServer();
    const raw = baseConfig();
    raw.roles.push({ name: 'tenant-admin', manageTenants: true });
    raw.seed.admins.find((a: { email: string }) => a.email === ALICE.email).roles.push('tenant-admin');
    raw.storePrefix = `tenantsbrowser${process.pid}`;
    gatehouse = await spawnGatehouse({ configPath: writeConfig(raw), env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys() } });
    issuer = gatehouse.issuer;
    for (let i = 0; !/Gatehouse is running/.test(gatehouse.output()); i++) {
      if (i > 100) throw new Error(gatehouse.output());
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchBrowser();
    await browser.page.setViewportSize({ width: 1100, height: 900 });
    await addVirtualAuthenticator(browser.page);
  });
  after(async () => {
    await browser?.close();
    await gatehouse?.stop();
    await domains?.close();
    await redis?.stop();
  });

  it('creates a tenant, proves its domain, creates its app (the secret once) and moves its consent, through the step-up', async () => {
    const { page } = browser;
    const problems: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) problems.push(msg.text());
    });

    await enrollAndSignIn(page, issuer, enrollmentLinkOf(gatehouse.output()));
    await page.click('nav a:has-text("Tenants")');
    await page.waitForURL(`${issuer}/admin/tenants`);

    // A new tenant: her session is a password one, so the passkey first; then it is created.
    await page.fill('#new-tenant input[name=id]', 'initrode');
    await page.fill('#new-tenant input[name=name]', 'Initrode');
    await page.selectOption('#new-tenant select[name=consent]', 'approval');
    await page.click('#new-tenant button[type=submit]');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${issuer}/admin/tenants/initrode?done=created`);
    assert.match(await page.innerText('#notice'), /The tenant was created/);

    // Its domain: pending, with the token to serve; served by the test server, then verified.
    const host = `initrode.localhost:${domains.port}`;
    await page.fill('#add-domain input[name=origin]', `http://${host}`);
    await page.click('#add-domain button[type=submit]');
    const pending = page.locator(`.domain[data-domain="${host}"][data-status="pending"]`);
    await pending.waitFor();
    assert.equal(await pending.locator('.proof-url').innerText(), `http://${host}/.well-known/gatehouse-domain-verification`);
    assert.match(await pending.locator('.proof-dns-name').innerText(), /^_gatehouse\.initrode\.localhost$/);
    domains.tokens.set(host, await pending.locator('.proof-token').innerText());
    await pending.locator('button.verify-http').click();
    await page.waitForSelector(`.domain[data-domain="${host}"][data-status="verified"]`);
    assert.match(await page.innerText('#notice'), /The domain is verified/);

    // Its app: the secret on a page of its own, once.
    await page.fill('#new-client input[name=clientId]', 'initrode-app');
    await page.fill('#new-client textarea[name=redirectUris]', `http://${host}/callback`);
    await page.check('#new-client input[name=grantTypes][value=client_credentials]');
    await page.fill('#new-client input[name=scope]', 'openid audit:read');
    await page.click('#new-client button[type=submit]');
    const secret = await page.locator('#client-secret').inputValue();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    SECRETS['initrode-app'] = secret;
    const token = await tokenRequest(issuer, 'initrode-app', { grant_type: 'client_credentials', scope: 'audit:read' });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    await page.click('#back-to-tenant');
    await page.waitForSelector('section.client[data-client="initrode-app"]');
    assert.ok(!(await page.content()).includes(secret), 'the tenant page never shows the secret');

    // Its consent mode moves.
    await page.selectOption('#policy-form select[name=consent]', 'opt-in');
    await page.click('#save-policy');
    await page.waitForURL(`${issuer}/admin/tenants/initrode?done=saved`);
    assert.equal(await page.locator('#policy-form select[name=consent]').inputValue(), 'opt-in');
    await page.screenshot({ path: `${ARTIFACTS}/tenant.png`, fullPage: true });

    assert.deepEqual(problems, [], 'no 4xx, no 5xx and no CSP violation on the way');
  });
});
