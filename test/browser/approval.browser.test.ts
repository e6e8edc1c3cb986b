/**
 * Consent mode `approval` end to end in headless Chromium, against processes started as
 * `npm start` starts them (src/server.ts with the dev config, the demo tenant app beside it)
 * on a real redis-server, with two people in two browsers: the admin files an access request
 * for charlie at wonka; charlie approves it on /account with his passkey (a CDP virtual
 * authenticator); the admin's request page turns to "approved" by itself (its polling
 * script) and the admin lands in the tenant app, does two things there (opens the profile;
 * tries to pay, which the kit's guard blocks); charlie sees both on /account and ends the
 * session, and the tenant app drops it at the admin's next request. The demo app re-checks
 * introspection only every hour here (TENANT_APP_RECHECK_SECONDS=3600): only the
 * back-channel logout can end it that fast. Extends activity.browser.test.ts (direct
 * impersonation at acme). Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enrollAndSignIn, enrollmentLinkOf, openImpersonate } from '../helpers/browser-console.js';
import { ARTIFACTS, type DemoJourney, startDemoJourney } from '../helpers/demo-journey.js';
import { baseConfig } from '../helpers/gatehouse.js';

const REASON = 'Ticket #1971: Charlie cannot pay his invoice';

/** What the steps share. */
let journey: DemoJourney & { wonka: string };
const reloadUntil: DemoJourney['reloadUntil'] = (...args) => journey.reloadUntil(...args);

describe('an approved access request, end to end in the browser (Chromium, npm start processes, real Redis)', () => {
  before(async () => {
    assert.equal(baseConfig().tenants.find((t: { id: string }) => t.id === 'wonka').consent, 'approval', 'the demo has a tenant in approval mode');
    const started = await startDemoJourney({ tenant: 'wonka', storePrefix: 'approval', logFilter: /impersonation|activity|account|access/ });
    journey = Object.assign(started, { wonka: started.tenantOrigin });
  });
  after(async () => {
    await journey?.stop();
  });

  it('charlie signs in on /account and registers a passkey', async () => {
    const { page } = journey.customer;
    await page.goto(`${journey.issuer}/account`);
    await page.fill('input[name=tenant]', 'Wonka Industries');
    await page.fill('input[name=email]', 'charlie@wonka.test');
    await page.fill('input[name=password]', 'charlie-demo-pass');
    await page.click('form[action="/account/login"] button[type=submit]');
    await page.waitForSelector('#no-access-requests');
    await page.goto(`${journey.issuer}/account/passkeys`);
    await page.fill('#passkey-name', 'Charlie virtual key');
    await page.click('#passkey-register');
    await page.waitForSelector('#passkeys tr[data-passkey]');
  });

  it('the admin files an access request for charlie and waits on its page', async () => {
    const { page } = journey.admin;
    // Her first passkey through the enrollment link `npm start` printed (PROTOCOL §10.1).
    await enrollAndSignIn(page, journey.issuer, enrollmentLinkOf(journey.gatehouse.output()));
    await openImpersonate(page, journey.issuer, { tenant: 'wonka', query: 'charlie', email: 'charlie@wonka.test' });
    await page.waitForSelector('#request-form');
    assert.match(await page.innerText('#approval-needed'), /must approve an access request/);
    await page.fill('textarea[name=reason]', REASON);
    await page.click('#request-access');
    await page.waitForSelector('#request-state[data-state="pending"]');
    assert.match(await page.innerText('#request-state'), /Waiting for approval/);
  });

  it('charlie approves it on /account with his passkey; the admin sees it without reloading and lands in the tenant app', async () => {
    const customer = journey.customer.page;
    await customer.goto(`${journey.issuer}/account`);
    await customer.waitForSelector('#access-requests tr[data-state="pending"]');
    assert.match(await customer.innerText('#access-requests'), new RegExp(REASON.replace(/[#]/g, '.')));
    await customer.screenshot({ path: `${ARTIFACTS}/approval-request.png`, fullPage: true });
    await customer.click('#access-requests button:has-text("Approve with passkey")');
    await customer.waitForURL(`${journey.issuer}/account?done=request-approved`);
    assert.match(await customer.innerText('#access-requests'), /Approved/);

    const { page } = journey.admin;
    // No reload here: static/access-request.js polls the state and reloads on a change.
    await page.waitForSelector('#request-state[data-state="approved"]', { timeout: 30_000 });
    await page.click('#start-impersonation');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${journey.wonka}/`);
    assert.match(await page.innerText('.impersonation-banner'), /You are signed in as charlie@wonka\.test — impersonated by Alice Admin/);
  });

  it('the admin does two things: opens the profile, and tries to pay (the guard blocks it)', async () => {
    const { page } = journey.admin;
    await page.click('nav a:has-text("Profile")');
    await page.waitForURL(`${journey.wonka}/profile`);
    assert.match(await page.innerText('main'), /Support session/);
    await page.goto(`${journey.wonka}/`);
    await page.click('form[action="/payment"] button');
    await page.waitForSelector('.refused');
    assert.match(await page.innerText('.refused'), /Payments cannot be made while a support agent is signed in/);
  });

  it('charlie sees both on /account, beside the session', async () => {
    const { page } = journey.customer;
    const cell = page.locator('#active-sessions .activity-cell');
    const shown = async () => ((await cell.count()) > 0 ? await cell.innerText() : '');
    await reloadUntil(page, async () => /tried POST \/payment — blocked/.test(await shown()), 'the activity on /account');
    const seen = (await cell.locator('li').allInnerTexts()).map((line) => line.replace(/^\d\d:\d\d:\d\d UTC /, ''));
    assert.deepEqual(seen, ['viewed /', 'viewed /profile', 'viewed /', 'tried POST /payment — blocked']);
    assert.match(await page.innerText('#access-requests'), /Approved and used/);
  });

  it('charlie ends the session; the tenant app drops it at the next request, long before any re-check', async () => {
    const { page } = journey.customer;
    const logoutsBefore = journey.gatehouse.output().split('"event":"logged_out"').length - 1;
    const clicked = Date.now();
    await page.click('#active-sessions button:has-text("End now")');
    await page.waitForSelector('#notice');
    for (;;) {
      if (journey.gatehouse.output().split('"event":"logged_out"').length - 1 > logoutsBefore) break;
      if (Date.now() - clicked > 20_000) throw new Error(`no back-channel logout reached the tenant app:\n${journey.gatehouse.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const delivered = Date.now() - clicked;
    const admin = journey.admin.page;
    await admin.goto(`${journey.wonka}/`);
    const dropped = Date.now() - clicked;
    assert.equal(await admin.locator('.impersonation-banner').count(), 0);
    assert.match(await admin.innerText('body'), /You are not signed in/);
    // Measured, not asserted (tests must not time themselves): reported in the test output.
    process.stdout.write(`# approval journey: back-channel logout at the tenant app ${delivered} ms after "End now"; banner gone at the next request, ${dropped} ms after\n`);
    await admin.screenshot({ path: `${ARTIFACTS}/approval-dropped.png` });
    assert.deepEqual(journey.problems, [], 'no 5xx and no CSP violation anywhere');
  });
});
