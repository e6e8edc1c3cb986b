/**
 * The whole journey in headless Chromium, against processes started as `npm start` starts
 * them (src/server.ts with a seeded config starts the demo tenant app beside Gatehouse) on a
 * real redis-server: the admin opens the passkey enrollment link `npm start` printed beside
 * her password and registers a passkey, signs in to the console, picks acme and
 * bob, gives a reason, steps up with the passkey, and lands on acme signed in as bob under
 * the banner; the payment is refused; going back and re-posting the ticket fails cleanly
 * (a replay, which ends that session); a second session is stopped from the banner, which
 * introspection and the console's session list both show; globex never sees acme's session.
 * Screenshots of the banner, the console and bob's account page go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { ALICE, enrollAndSignIn, enrollmentLinkOf, openImpersonate } from '../helpers/browser-console.js';
import { baseConfig, testKeys, tenantsOn } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';
import { freePort } from '../helpers/ports.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { routeSubdomainsToLoopback } from '../examples/subdomain-fetch.js';

const ARTIFACTS = 'test-artifacts';
const REASON = 'Ticket #4711: Bob cannot see his invoices';

describe('the whole journey in the browser (Chromium, npm start processes, real Redis)', () => {
  let redis: RedisServer;
  let gatehouse: GatehouseProcess;
  let browser: TestBrowser;
  let restoreFetch: () => void;
  let issuer: string;
  let acme: string;
  let globex: string;

  /** RFC 7662 introspection as acme's tenant client. */
  async function active(token: string): Promise<boolean> {
    const res = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('acme-app:dev-acme-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    return ((await res.json()) as { active: boolean }).active;
  }
  /** The impersonation token the tenant app keeps in its cookie for this browser. */
  async function impersonationToken(): Promise<string> {
    const cookie = (await browser.context.cookies(acme)).find((c) => c.name === 'gh_imp');
    assert.ok(cookie, 'the tenant app holds an impersonation');
    return cookie.value;
  }
  /** Console → Impersonate → acme → bob → reason → Start. */
  async function startImpersonatingBob(page: Page) {
    await openImpersonate(page, issuer, { tenant: 'acme', query: 'bob', email: 'bob@acme.test' });
    await page.waitForSelector('#impersonate-form');
    await page.fill('textarea[name=reason]', REASON);
    await page.screenshot({ path: `${ARTIFACTS}/impersonate.png` });
    await page.click('#start-impersonation');
  }

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    restoreFetch = routeSubdomainsToLoopback();
    redis = await startRedisServer();
    const [port, tenantPort] = [await freePort(), await freePort()];
    issuer = `http://localhost:${port}`;
    acme = `http://acme.localhost:${tenantPort}`;
    globex = `http://globex.localhost:${tenantPort}`;
    // The dev config (with its seed), the tenants moved to a free port, the console on this issuer.
    const raw = baseConfig();
    const moved = <T>(value: T) => tenantsOn(value, tenantPort);
    raw.tenants = moved(raw.tenants);
    raw.clients = moved(raw.clients);
    raw.storePrefix = `journey${process.pid}`;
    for (const c of raw.clients) {
      if (c.role === 'support-console') {
        c.redirectUris = [`${issuer}/admin/callback`];
        c.postLogoutRedirectUris = [`${issuer}/admin`];
      }
    }
    gatehouse = await spawnGatehouse({ configPath: writeConfig(raw), port, demoApp: true, env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys() } });
    // The demo tenant app starts right after Gatehouse listens.
    for (let i = 0; ; i++) {
      const res = await fetch(`${acme}/`).catch(() => null);
      if (res?.ok) break;
      if (i > 100) throw new Error(`the demo tenant app did not start:\n${gatehouse.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchBrowser();
    // Small enough for the screenshots in docs/screenshots/ (copied from test-artifacts/).
    await browser.page.setViewportSize({ width: 1100, height: 660 });
    // Before any ceremony, or navigator.credentials waits for a device that never comes.
    await addVirtualAuthenticator(browser.page);
  });
  after(async () => {
    await browser?.close();
    await gatehouse?.stop();
    await redis?.stop();
    restoreFetch?.();
  });

  it('impersonates bob on acme from the console, and stops', async () => {
    const { page } = browser;
    const problems: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 500) problems.push(`${res.status()} ${res.url()}`);
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) problems.push(msg.text());
    });
    const tickets: string[] = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url() === `${acme}/impersonate`) tickets.push(new URLSearchParams(req.postData() ?? '').get('ticket') ?? '');
    });

    // 1. The enrollment link printed beside alice's password (PROTOCOL §10.1: an admin's first
    //    passkey comes only from such a link): her password, then the passkey.
    await enrollAndSignIn(page, issuer, enrollmentLinkOf(gatehouse.output()), ALICE, {
      beforeRegister: () => page.screenshot({ path: `${ARTIFACTS}/enroll.png` }).then(() => undefined),
    });
    await page.goto(`${issuer}/admin/passkeys`);
    await page.waitForSelector('#passkeys td:has-text("Chromium virtual key")');

    // 2. Pick acme and bob, give a reason; the console asks for the passkey first.
    await startImpersonatingBob(page);
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');

    // 3. The ticket is posted to acme: bob, under the banner.
    await page.waitForURL(`${acme}/`);
    const banner = page.locator('.impersonation-banner');
    assert.match(await banner.innerText(), /You are signed in as bob@acme\.test — impersonated by Alice Admin \(support\)/);
    assert.match(await banner.innerText(), new RegExp(`Reason: ${REASON}`));
    assert.equal(tickets.length, 1);
    await page.screenshot({ path: `${ARTIFACTS}/banner.png` });
    const firstToken = await impersonationToken();
    assert.equal(await active(firstToken), true);

    // 4. The payment is refused while impersonating.
    await page.click('form[action="/payment"] button');
    await page.waitForSelector('.refused');
    assert.match(await page.innerText('.refused'), /Payments cannot be made while a support agent is signed in/);

    // 5. Back to the console's ticket page: it was used, nothing is sent again by itself…
    for (let i = 0; i < 3 && !page.url().includes('/admin/impersonate/continue'); i++) await page.goBack();
    assert.match(page.url(), /\/admin\/impersonate\/continue/);
    assert.match(await page.innerText('main'), /already used/);
    assert.equal(tickets.length, 1, 'no automatic re-post');
    // …and re-posting the ticket by hand is a replay: a clear page, no 5xx.
    const replay = page.waitForResponse((res) => res.url() === `${acme}/impersonate`);
    await page.evaluate(
      ([action, ticket]) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action!;
        const input = Object.assign(document.createElement('input'), { type: 'hidden', name: 'ticket', value: ticket! });
        form.append(input);
        document.body.append(form);
        form.submit();
      },
      [`${acme}/impersonate`, tickets[0]],
    );
    assert.equal((await replay).status(), 400);
    await page.waitForURL(`${acme}/impersonate`);
    assert.match(await page.innerText('body'), /This support link has already been used or has expired/);
    assert.equal(await page.getAttribute('a.button', 'href'), `${issuer}/admin`, 'a way back to the console');
    await page.screenshot({ path: `${ARTIFACTS}/link-used.png` });
    // PROTOCOL §4: a replay ends the session the ticket started (tenant onReplay: revoke).
    assert.equal(await active(firstToken), false);

    // 6. A new impersonation (the step-up is still fresh), then Stop from the banner.
    await startImpersonatingBob(page);
    await page.waitForURL(`${acme}/`);
    assert.equal(tickets.length, 3, 'one new ticket, delivered by the page');
    await page.waitForSelector('.impersonation-banner');
    const secondToken = await impersonationToken();
    assert.notEqual(secondToken, firstToken);
    assert.equal(await active(secondToken), true);

    // 7. Globex, in the same browser, never sees acme's session.
    await page.goto(`${globex}/`);
    assert.equal(await page.locator('.impersonation-banner').count(), 0);
    assert.match(await page.innerText('body'), /Sign in with Gatehouse/);
    assert.ok(!(await browser.context.cookies(globex)).some((c) => c.name === 'gh_imp'));

    // 8. The console lists it, with the time left and an End button.
    await page.goto(`${issuer}/admin/sessions`);
    const activeRow = page.locator('#sessions tr.active');
    assert.equal(await activeRow.count(), 1);
    assert.match(await activeRow.innerText(), /active, (29|30) min left/);
    await page.screenshot({ path: `${ARTIFACTS}/console.png` });

    await page.goto(`${acme}/`);
    await page.click('.impersonation-banner button:has-text("Stop")');
    await page.waitForURL(`${issuer}/admin/sessions`);
    assert.equal(await active(secondToken), false, 'introspection: inactive at once');
    assert.ok(!(await browser.context.cookies(acme)).some((c) => c.name === 'gh_imp' && c.value), 'the app forgot it');

    // 9. Stop landed on the console's sessions: both ended, and why.
    const rows = page.locator('#sessions tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /stopped in the tenant app/);
    assert.match(await rows.nth(1).innerText(), /ended: its ticket was replayed/);
    assert.equal(await page.locator('#sessions tr.active').count(), 0);
    await page.goto(`${issuer}/admin/audit?type=impersonation.ticket_replayed`);
    assert.equal(await page.locator('#audit tbody tr').count(), 1);

    // 10. Bob sees both visits on his account page.
    await page.goto(`${issuer}/account`);
    await page.fill('input[name=tenant]', 'Acme Corp');
    await page.fill('input[name=email]', 'bob@acme.test');
    await page.fill('input[name=password]', 'bob-demo-pass');
    await page.click('form[action="/account/login"] button[type=submit]');
    await page.waitForSelector('#past-sessions');
    const past = await page.innerText('#past-sessions');
    assert.match(past, /Alice Admin/);
    assert.match(past, /Stopped by the support agent in the app/);
    await page.screenshot({ path: `${ARTIFACTS}/account.png`, fullPage: true });

    assert.deepEqual(problems, [], 'no 5xx and no CSP violation anywhere');
  });
});
