/**
 * Actions resume after a step-up (issue 18, finding 5), in headless Chromium with a CDP
 * virtual authenticator against a process started as `npm start` starts it: Lena files an
 * access request for Carol (sensitive: the two-person rule); Alice, signed in with her
 * password only, chooses Approve; the console sends her through the passkey step-up, and
 * back from it the approval is done — not lost on a page still "waiting for a second admin".
 * The same for a management action: Lena, signed in with her password, disables a user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addVirtualAuthenticator, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { enrollAndSignIn, enrollmentLinkOf, openImpersonate } from '../helpers/browser-console.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';

const LENA = { email: 'lena@gatehouse.test', password: 'lena-demo-pass' };

describe('an action that needs a step-up completes after it (Chromium, npm start process)', () => {
  let gatehouse: GatehouseProcess;
  let alice: TestBrowser;
  let lena: TestBrowser;
  let issuer: string;
  let requestPath: string;

  before(async () => {
    const raw = baseConfig();
    // Lena may also disable users (the management action below).
    raw.roles = raw.roles.map((r: { name: string }) => (r.name === 'support-lead' ? { ...r, manageUsers: true } : r));
    gatehouse = await spawnGatehouse({ configPath: writeConfig(raw), env: { GATEHOUSE_KEYS: await testKeys() } });
    issuer = gatehouse.issuer;
    for (let i = 0; !/Gatehouse is running/.test(gatehouse.output()); i++) {
      if (i > 100) throw new Error(gatehouse.output());
      await new Promise((r) => setTimeout(r, 100));
    }
    [alice, lena] = [await launchBrowser(), await launchBrowser()];
    await addVirtualAuthenticator(alice.page);
    await addVirtualAuthenticator(lena.page);
  });
  after(async () => {
    await alice?.close();
    await lena?.close();
    await gatehouse?.stop();
  });

  it('Lena files an access request for Carol (sensitive: a second admin must approve)', async () => {
    const { page } = lena;
    await enrollAndSignIn(page, issuer, enrollmentLinkOf(gatehouse.output(), LENA), LENA);
    await openImpersonate(page, issuer, { tenant: 'acme', query: 'carol', email: 'carol@acme.test' });
    await page.waitForSelector('#request-form');
    await page.fill('textarea[name=reason]', 'Ticket #5: Carol cannot export her data');
    await page.click('#request-access');
    await page.waitForSelector('#request-state[data-state="pending"]');
    requestPath = new URL(page.url()).pathname;
  });

  it('Alice, signed in with her password, approves: through the step-up and back, it is approved', async () => {
    const { page } = alice;
    // Her passkey from the enrollment link; her console session is a password one (acr pwd).
    await enrollAndSignIn(page, issuer, enrollmentLinkOf(gatehouse.output()));
    await page.goto(`${issuer}${requestPath}`);
    assert.match(await page.innerText('#request-state'), /Waiting for approval/);
    await page.click('#second-approve button');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${issuer}${requestPath}`);
    await page.waitForSelector('#request-state[data-state="approved"]');
    assert.match(await page.innerText('#request'), /Second admin\s+approved by Alice Admin/);
    assert.equal(await page.locator('#second-approve').count(), 0, 'nothing left to approve');
  });

  it('a management action: Lena, signed in with her password, disables Erin; through the step-up and back, Erin is disabled', async () => {
    const { page } = lena;
    await page.goto(`${issuer}/admin/users?tenant=globex&q=erin`);
    await page.click('#users tr:has-text("erin@globex.test") form[action$="/disable"] button');
    await page.waitForSelector('#passkey-stepup');
    await page.click('#passkey-stepup');
    await page.waitForURL(`${issuer}/admin/users?tenant=globex&done=disabled`);
    assert.match(await page.innerText('#users tr:has-text("erin@globex.test")'), /disabled/);
  });
});
