/**
 * The demo tenant app's impersonation banner isolates people's text (PROTOCOL §10.7, issue 8
 * row 10): the user, the admin and the reason each sit in <bdi>, and the banner's own
 * sentences (the safety notice above all) stay outside, so nothing a reason holds can
 * reorder them. Against a real Gatehouse on a real redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { assertIsolated } from '../helpers/bdi.js';
import { mintTicket, startDemo, type Demo } from './tenant-app-setup.js';

const REASON = 'Ticket #88: הלקוח לא רואה חשבוניות';
const SAFETY = 'Payments and notification emails are off during this support session.';

describe('the impersonation banner isolates people\'s text (demo tenant app, real Gatehouse)', () => {
  let demo: Demo;
  before(async () => {
    demo = await startDemo();
  });
  after(() => demo?.stop());

  it('user, admin and reason in <bdi>; the banner\'s sentences outside', async () => {
    const { gh, acme } = demo;
    const key = new SoftwareAuthenticator();
    const { agent: admin } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key, 'laptop');
    const actorToken = (await stepUp(gh.issuer, admin, key)).accessToken;
    const bob = (await gh.gatehouse.services.accounts.users.findByEmail('acme', 'bob@acme.test'))!.id;
    const minted = await mintTicket(gh.issuer, { actorToken, subject: bob, audience: acme, reason: REASON });
    const browser = new HttpAgent();
    assert.equal((await browser.postForm(minted.redeem_uri!, { ticket: minted.access_token! })).status, 303);
    const page = await (await browser.fetch(`${acme}/`)).text();
    const banner = /<div class="impersonation-banner"[\s\S]*?\n<\/div>/.exec(page)?.[0] ?? '';
    assert.ok(banner, page);
    assertIsolated(banner, REASON, 'banner reason');
    assertIsolated(banner, 'bob@acme.test', 'banner user');
    const admins = /impersonated by <strong><bdi>([^<]+)<\/bdi><\/strong>/.exec(banner);
    assert.ok(admins, `the admin is isolated: ${banner}`);
    const safety = banner.indexOf(SAFETY);
    assert.ok(safety > 0, 'the safety sentence is shown');
    assert.ok(banner.lastIndexOf('</bdi>', safety) > banner.lastIndexOf('<bdi>', safety), 'the safety sentence is outside every <bdi>');
    assert.ok(banner.lastIndexOf('</bdi>', banner.indexOf('You are signed in as')) >= banner.lastIndexOf('<bdi>', banner.indexOf('You are signed in as')));
  });
});
