/**
 * Any ports, in the browser (issue 18): `npm start` itself — the dev config as shipped, the
 * memory store, nothing but PORT and GATEHOUSE_DEMO_PORT set to free ports — then, in
 * Chromium with a CDP virtual authenticator, the console sign-in and an impersonation at
 * Acme on the moved demo app. In CI the defaults are taken while this runs: .ci/run starts
 * a dev server on 3000 and 4000 before `npm test`. (A test never touches those ports
 * itself.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addVirtualAuthenticator, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { enrollAndSignIn, enrollmentLinkOf, openImpersonate } from '../helpers/browser-console.js';
import { type DevRun, dev } from '../helpers/npm-start.js';
import { freePort } from '../helpers/ports.js';

describe('npm start on other ports, in the browser (Chromium, the memory store)', () => {
  let run: DevRun;
  let browser: TestBrowser;
  let issuer: string;
  let acme: string;

  before(async () => {
    const [port, demoPort] = [await freePort(), await freePort()];
    issuer = `http://localhost:${port}`;
    acme = `http://acme.localhost:${demoPort}`;
    run = await dev({ PORT: String(port), GATEHOUSE_DEMO_PORT: String(demoPort) }, 'npm');
    await run.running();
    browser = await launchBrowser();
    await addVirtualAuthenticator(browser.page);
  });
  after(async () => {
    await browser?.close();
    await run?.stop();
  });

  it('prints the moved URLs', () => {
    const { stdout } = run.output();
    assert.match(stdout, new RegExp(`Gatehouse is running at ${issuer} \\(store: memory`));
    assert.match(stdout, new RegExp(`admin  alice@gatehouse\\.test / alice-demo-pass  -> ${issuer}/admin\\n`));
    assert.match(stdout, new RegExp(`demo tenant app "Acme Corp": ${acme}\\n`));
  });

  it('the console signs in on the moved issuer, and an impersonation lands on the moved demo app', async () => {
    const { page } = browser;
    const problems: string[] = [];
    page.on('response', (res) => {
      // Not one 4xx or 5xx on the way, the browser's favicon probes included.
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
    await enrollAndSignIn(page, issuer, enrollmentLinkOf(run.output().stdout));
    await openImpersonate(page, issuer, { tenant: 'acme', query: 'bob', email: 'bob@acme.test' });
    await page.waitForSelector('#impersonate-form');
    await page.fill('textarea[name=reason]', 'Ticket #18: any ports');
    await page.click('#start-impersonation');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${acme}/`);
    assert.match(await page.innerText('.impersonation-banner'), /You are signed in as bob@acme\.test — impersonated by Alice Admin \(support\)/);
    assert.deepEqual(problems, [], 'no 4xx or 5xx on the way');
  });
});
