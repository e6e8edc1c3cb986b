/**
 * End to end in headless Chromium with a CDP virtual authenticator: an admin registers a
 * passkey through a one-time enrollment link, signs in to the console with a password
 * (the passkeys page then sends them through the step-up and back), and steps up; the
 * console's token for them then says acr phr.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keys } from '../../src/store/keys.js';
import { addVirtualAuthenticator, launchBrowser, type TestBrowser, type VirtualAuthenticator } from '../helpers/browser.js';
import { consoleSecret } from '../helpers/console.js';
import { issueLink } from '../helpers/enroll.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

describe('browser: passkey enrollment link, console sign-in and step-up (Chromium)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let browser: TestBrowser;
  let authenticator: VirtualAuthenticator;

  before(async () => {
    redis = await startRedisServer();
    gh = await startGatehouse({ redisUrl: redis.url });
    browser = await launchBrowser();
    // Before any ceremony, or navigator.credentials waits for a device that never comes.
    authenticator = await addVirtualAuthenticator(browser.page);
  });
  after(async () => {
    await browser?.close();
    await gh?.stop();
    await redis?.stop();
  });

  /** The access token the console holds for the signed-in admin, as Gatehouse describes it. */
  async function consoleToken() {
    const cookie = (await browser.context.cookies(gh.issuer)).find((c) => c.name === 'gh_console');
    assert.ok(cookie, 'a console session cookie');
    const session = JSON.parse((await gh.gatehouse.services.store.get(keys.consoleSession(cookie.value)))!);
    const res = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`support-console:${consoleSecret()}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: session.accessToken }),
    });
    return (await res.json()) as { active: boolean; acr: string; amr: string[]; auth_time: number };
  }

  it('registers a passkey through an enrollment link, signs in with a password, steps up, and gets acr phr', async () => {
    const { page } = browser;
    await page.goto(await issueLink(gh, 'alice@gatehouse.test'));
    await page.fill('#enroll-password input[name=password]', 'alice-demo-pass');
    await page.click('#enroll-password button[type=submit]');
    await page.waitForURL(`${gh.issuer}/admin/enroll/passkey`);
    await page.fill('#passkey-name', 'Chromium virtual key');
    await page.click('#passkey-register');
    await page.waitForSelector('#enrolled');
    assert.equal((await authenticator.credentials()).length, 1, 'the virtual authenticator holds the new passkey');

    await page.click('#to-console');
    await page.click('#console-signin');
    await page.waitForURL(/\/interaction\//);
    await page.fill('input[name=email]', 'alice@gatehouse.test');
    await page.fill('input[name=password]', 'alice-demo-pass');
    await page.click('button[type=submit]');
    await page.waitForURL(`${gh.issuer}/admin`);
    assert.equal(await page.textContent('#acr'), 'pwd');
    assert.equal((await consoleToken()).acr, 'pwd');

    // A password session sees its passkeys but may not change them: through the step-up and back.
    await page.goto(`${gh.issuer}/admin/passkeys`);
    assert.ok(await page.isVisible('#passkeys td:has-text("Chromium virtual key")'));
    assert.equal(await page.locator('#passkey-register').count(), 0);
    const before = Math.floor(Date.now() / 1000);
    await page.click('#passkeys-stepup');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${gh.issuer}/admin/passkeys`);
    assert.ok(await page.isVisible('#passkey-register'), 'changes are open after the step-up');

    await page.goto(`${gh.issuer}/admin`);
    assert.equal(await page.textContent('#acr'), 'phr');
    const token = await consoleToken();
    assert.equal(token.active, true);
    assert.equal(token.acr, 'phr');
    assert.deepEqual(token.amr, ['pwd', 'hwk', 'user', 'mfa']);
    assert.ok(token.auth_time >= before, 'a fresh auth_time');
  });

  it('signs out, then signs in with the passkey alone (discoverable credential)', async () => {
    const { page } = browser;
    await page.goto(`${gh.issuer}/admin`);
    await page.click('form[action="/admin/logout"] button');
    // RP-initiated logout at Gatehouse asks for confirmation, then comes back signed out.
    await page.click('button[name=logout][value=yes]');
    await page.waitForSelector('#console-signin');
    await page.click('#console-signin');
    await page.waitForSelector('#passkey-login');
    await page.click('#passkey-login');
    await page.waitForURL(`${gh.issuer}/admin`);
    assert.equal(await page.textContent('#acr'), 'phr');
    const token = await consoleToken();
    assert.equal(token.acr, 'phr');
    assert.deepEqual(token.amr, ['hwk', 'user'], 'a passkey alone: one factor, user-verified');
  });
});
