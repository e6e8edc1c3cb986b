/**
 * End to end in headless Chromium with a CDP virtual authenticator: an admin signs in to
 * the console with a password, registers a passkey, and steps up; the console's token
 * for them then says acr phr.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keys } from '../../src/store/keys.js';
import { addVirtualAuthenticator, launchBrowser, type TestBrowser, type VirtualAuthenticator } from '../helpers/browser.js';
import { consoleSecret } from '../helpers/console.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

describe('browser: console sign-in, passkey registration and step-up (Chromium)', () => {
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

  it('signs in with a password, registers a passkey in /admin, steps up, and gets acr phr', async () => {
    const { page } = browser;
    await page.goto(`${gh.issuer}/admin`);
    await page.click('#console-signin');
    await page.waitForURL(/\/interaction\//);
    await page.fill('input[name=email]', 'alice@gatehouse.test');
    await page.fill('input[name=password]', 'alice-demo-pass');
    await page.click('button[type=submit]');
    await page.waitForURL(`${gh.issuer}/admin`);
    assert.equal(await page.textContent('#acr'), 'pwd');
    assert.equal((await consoleToken()).acr, 'pwd');

    await page.goto(`${gh.issuer}/admin/passkeys`);
    await page.fill('#passkey-name', 'Chromium virtual key');
    await page.click('#passkey-register');
    await page.waitForSelector('#passkeys td:has-text("Chromium virtual key")');
    assert.equal((await authenticator.credentials()).length, 1, 'the virtual authenticator holds the new passkey');

    await page.goto(`${gh.issuer}/admin`);
    const before = Math.floor(Date.now() / 1000);
    await page.click('#stepup');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${gh.issuer}/admin`);
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
