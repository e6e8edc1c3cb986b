/**
 * What support did, and a session that ends everywhere at once, in headless Chromium against
 * processes started as `npm start` starts them (src/server.ts with the dev config, the demo
 * tenant app beside it) on a real redis-server, with two people in two browsers: the admin
 * impersonates bob at acme and does two things there (opens his profile; tries to pay his
 * invoice, which the guard blocks); bob sees both on /account, ends the session with "End now",
 * and the tenant app drops it at the admin's next request. The demo app re-checks
 * introspection only every hour here (TENANT_APP_RECHECK_SECONDS=3600): only the back-channel
 * logout can end it that fast.
 *
 * Each step is its own `it`, in order, sharing `journey`, as in approval.browser.test.ts, so the
 * two journeys can run as one. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enrollAndSignIn, enrollmentLinkOf, openImpersonate } from '../helpers/browser-console.js';
import { ARTIFACTS, type DemoJourney, startDemoJourney } from '../helpers/demo-journey.js';

const REASON = 'Ticket #6060: Bob cannot pay his invoice';

/** What the steps share. */
let journey: DemoJourney & { acme: string };
const reloadUntil: DemoJourney['reloadUntil'] = (...args) => journey.reloadUntil(...args);

describe('what support did and ending everywhere at once, in the browser (Chromium, npm start processes, real Redis)', () => {
  before(async () => {
    const started = await startDemoJourney({ tenant: 'acme', storePrefix: 'activity', logFilter: /impersonation|activity|account/ });
    journey = Object.assign(started, { acme: started.tenantOrigin });
  });
  after(async () => {
    await journey?.stop();
  });

  it('bob signs in on /account: nobody from support is there', async () => {
    const { page } = journey.customer;
    await page.goto(`${journey.issuer}/account`);
    await page.fill('input[name=tenant]', 'Acme Corp');
    await page.fill('input[name=email]', 'bob@acme.test');
    await page.fill('input[name=password]', 'bob-demo-pass');
    await page.click('form[action="/account/login"] button[type=submit]');
    await page.waitForSelector('#no-active');
  });

  it('the admin impersonates bob and lands in the tenant app under the banner', async () => {
    const { page } = journey.admin;
    // Her first passkey through the enrollment link `npm start` printed (PROTOCOL §10.1).
    await enrollAndSignIn(page, journey.issuer, enrollmentLinkOf(journey.gatehouse.output()));
    await openImpersonate(page, journey.issuer, { tenant: 'acme', query: 'bob', email: 'bob@acme.test' });
    await page.waitForSelector('#impersonate-form');
    await page.fill('textarea[name=reason]', REASON);
    await page.click('#start-impersonation');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${journey.acme}/`);
    assert.match(await page.innerText('.impersonation-banner'), /You are signed in as bob@acme\.test — impersonated by Alice Admin/);
  });

  it('the admin does two things: opens the profile, and tries to pay (the guard blocks it)', async () => {
    const { page } = journey.admin;
    await page.click('nav a:has-text("Profile")');
    await page.waitForURL(`${journey.acme}/profile`);
    assert.match(await page.innerText('main'), /Support session/);
    await page.goto(`${journey.acme}/`);
    await page.click('form[action="/payment"] button');
    await page.waitForSelector('.refused');
    assert.match(await page.innerText('.refused'), /Payments cannot be made while a support agent is signed in/);
    await page.screenshot({ path: `${ARTIFACTS}/activity-blocked.png` });
  });

  it('bob sees both on /account, beside the session', async () => {
    const { page } = journey.customer;
    const cell = page.locator('#active-sessions .activity-cell');
    // Not a waiting locator: the table appears only once the page is reloaded after the start.
    const shown = async () => ((await cell.count()) > 0 ? await cell.innerText() : '');
    await reloadUntil(page, async () => /tried POST \/payment — blocked/.test(await shown()), 'the activity on /account');
    const seen = (await cell.locator('li').allInnerTexts()).map((line) => line.replace(/^\d\d:\d\d:\d\d UTC /, ''));
    // In the order they happened: the landing page after the redeem, the profile, home, the payment.
    assert.deepEqual(seen, ['viewed /', 'viewed /profile', 'viewed /', 'tried POST /payment — blocked']);
    assert.equal(await cell.locator('li.blocked').count(), 1);
    assert.match(await page.innerText('#active-sessions'), new RegExp(REASON.replace(/[#]/g, '.')));
    await page.screenshot({ path: `${ARTIFACTS}/account-activity.png`, fullPage: true });
  });

  it('bob ends the session; the tenant app drops it at the next request, long before any re-check', async () => {
    const { page } = journey.customer;
    const logoutsBefore = journey.gatehouse.output().split('"event":"logged_out"').length - 1;
    const clicked = Date.now();
    await page.click('#active-sessions button:has-text("End now")');
    await page.waitForSelector('#notice');
    assert.match(await page.innerText('#notice'), /The support session was ended/);
    // The demo app logs each back-channel logout it accepts (its onEvent): wait for that…
    for (;;) {
      if (journey.gatehouse.output().split('"event":"logged_out"').length - 1 > logoutsBefore) break;
      if (Date.now() - clicked > 20_000) throw new Error(`no back-channel logout reached the tenant app:\n${journey.gatehouse.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const delivered = Date.now() - clicked;
    // …then the admin's very next request: no banner, no impersonation, bob is not signed in there.
    const admin = journey.admin.page;
    await admin.goto(`${journey.acme}/`);
    const dropped = Date.now() - clicked;
    assert.equal(await admin.locator('.impersonation-banner').count(), 0);
    assert.match(await admin.innerText('body'), /You are not signed in/);
    assert.ok(!(await journey.admin.context.cookies(journey.acme)).some((c) => c.name === 'gh_imp' && c.value), 'the app cleared its cookie');
    // Measured, not asserted (tests must not time themselves): reported in the test output.
    process.stdout.write(`# back-channel logout at the tenant app ${delivered} ms after "End now"; banner gone at the next request, ${dropped} ms after\n`);
    await admin.screenshot({ path: `${ARTIFACTS}/activity-dropped.png` });

    // bob's account keeps the record: the session ended by him, with what was done.
    await page.goto(`${journey.issuer}/account`);
    const past = await page.innerText('#past-sessions');
    assert.match(past, /Ended by you/);
    // The landing page after the redeem, the profile, home again, the blocked payment.
    assert.match(past, /4 requests in the app/);
    assert.deepEqual(journey.problems, [], 'no 5xx and no CSP violation anywhere');
  });
});
