/**
 * Passkey management in the console (/admin/passkeys) over HTTP with the software
 * authenticator, on a real redis-server: the first passkey from an enrollment link, then,
 * freshly stepped up, register, list, rename, remove, the last-passkey rule, registration
 * security, audit events. (What a password-only session cannot do: test/security.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { csrfOf, postJson, registerPasskey, signInConsole, stepUp } from '../helpers/console.js';
import { followThrough } from '../helpers/console-pages.js';
import { enrollAdmin } from '../helpers/enroll.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
const NOROLE = { email: 'norole@gatehouse.test', password: 'norole-demo-pass' };

describe('console passkeys (/admin/passkeys)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let agent: HttpAgent;
  let csrf: string;
  const laptop = new SoftwareAuthenticator();
  const phone = new SoftwareAuthenticator({ backupEligible: true });

  const page = async (by = agent) => (await by.fetch(`${gh.issuer}/admin/passkeys`)).text();
  const remove = (id: string, by = agent, token = csrf) => by.postForm(`${gh.issuer}/admin/passkeys/${id}/delete`, { csrf: token });
  const events = async (type: 'admin.passkey_registered' | 'admin.passkey_removed' | 'admin.login') =>
    (await gh.gatehouse.services.audit.list({ type }, { limit: 50 })).events;

  /** Through the console's step-up with `key` and back to the passkeys page: changes are open. */
  async function steppedUp(by: HttpAgent, key: SoftwareAuthenticator) {
    const landed = await followThrough(by, `${gh.issuer}/admin/stepup?return=/admin/passkeys`, key);
    assert.equal(landed.url.pathname, '/admin/passkeys');
    assert.match(landed.html, /id="passkey-register"/);
    return csrfOf(landed.html);
  }

  before(async () => {
    redis = await startRedisServer();
    gh = await startGatehouse({ redisUrl: redis.url });
    await gh.gatehouse.services.accounts.admins.create({ ...NOROLE, name: 'No Role', roles: [] });
    ({ agent, csrf } = await signInConsole(gh.issuer, ALICE));
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('signs in with a password: the console shows acr pwd, and the sign-in is audited', async () => {
    const home = await (await agent.fetch(`${gh.issuer}/admin`)).text();
    assert.match(home, /<td id="acr">pwd<\/td>/);
    assert.match(home, /You have no passkey yet, and impersonation needs one/);
    assert.equal((await events('admin.login')).at(0)?.outcome, 'success');
  });

  it('registers named passkeys, lists them with created, last used and device type, and audits each', async () => {
    await enrollAdmin(gh, ALICE, laptop, 'Work laptop');
    csrf = await steppedUp(agent, laptop);
    const synced = await registerPasskey(agent, gh.issuer, phone, 'Phone <synced>');
    assert.equal(synced.body.passkey.deviceType, 'multiDevice');
    const html = await page();
    assert.match(html, /<td><bdi>Work laptop<\/bdi><\/td>/);
    assert.match(html, /<td><bdi>Phone &lt;synced&gt;<\/bdi><\/td>/, 'names are escaped and isolated');
    assert.match(html, /Device-bound \(this authenticator only\)/);
    assert.match(html, /Synced \(copies on your other devices\)/);
    assert.match(html, /<td>never<\/td>/, 'not used yet');
    assert.match(html, /<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/td>/);
    const registered = await events('admin.passkey_registered');
    assert.equal(registered.length, 2);
    assert.deepEqual(registered.map((e) => e.details?.name).sort(), ['Phone <synced>', 'Work laptop']);
    assert.deepEqual(registered.map((e) => e.details?.via).sort(), ['console', 'enrollment_link']);
    // A synced passkey reads as a software key in amr; its last use shows in the list.
    const stepped = await stepUp(gh.issuer, agent, phone);
    assert.deepEqual(stepped.amr, ['pwd', 'swk', 'user', 'mfa']);
    assert.doesNotMatch(await page(), /<td><bdi>Phone &lt;synced&gt;<\/bdi><\/td><td>[^<]+<\/td><td>never<\/td>/);
  });

  it('refuses a registration from a wrong origin, without user verification, replayed, without CSRF or signed out', async () => {
    const start = async () => (await (await postJson(agent, `${gh.issuer}/admin/passkeys/options`, csrf, {})).json()) as { options: PublicKeyCredentialCreationOptionsJSON; handle: string };
    const verify = (handle: string, response: unknown) => postJson(agent, `${gh.issuer}/admin/passkeys/verify`, csrf, { handle, response, name: 'x' });
    const code = async (res: Response) => ((await res.json()) as { code: string }).code;

    let s = await start();
    assert.equal(await code(await verify(s.handle, new SoftwareAuthenticator().createCredential(s.options, 'http://evil.localhost:1'))), 'not_verified');
    s = await start();
    const noUv = new SoftwareAuthenticator({ userVerified: false }).createCredential(s.options, gh.issuer);
    assert.equal(await code(await verify(s.handle, noUv)), 'not_verified');
    s = await start();
    const good = new SoftwareAuthenticator().createCredential(s.options, gh.issuer);
    assert.equal((await verify(s.handle, good)).status, 200);
    assert.equal(await code(await verify(s.handle, good)), 'challenge_missing');
    assert.equal(await code(await postJson(agent, `${gh.issuer}/admin/passkeys/verify`, csrf, { handle: s.handle, response: good })), 'invalid_name');

    assert.equal((await postJson(agent, `${gh.issuer}/admin/passkeys/options`, 'wrong', {})).status, 403);
    // A browser with a valid CSRF token but no console session.
    const stranger = new HttpAgent();
    const strangerCsrf = csrfOf(await (await stranger.fetch(`${gh.issuer}/account`)).text());
    assert.equal((await postJson(stranger, `${gh.issuer}/admin/passkeys/options`, strangerCsrf, {})).status, 401);
  });

  it('removes a passkey, refuses removing the last one while the admin may impersonate, and audits removals', async () => {
    const held = await gh.gatehouse.services.passkeys.list('admin', (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id);
    assert.equal(held.length, 3);
    for (const p of held.slice(0, 2)) {
      const res = await remove(p.id);
      assert.equal(res.status, 303);
    }
    const last = await remove(held[2]!.id);
    assert.equal(last.status, 409);
    assert.match(await last.text(), /cannot remove your last passkey while you may impersonate users/);
    assert.equal((await events('admin.passkey_removed')).length, 2);
    assert.equal((await remove(held[2]!.id, agent, 'wrong')).status, 403);
  });

  it('renames a passkey (names are checked), audited', async () => {
    const [first] = await gh.gatehouse.services.passkeys.list('admin', (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id);
    const renamed = await agent.postForm(`${gh.issuer}/admin/passkeys/${first!.id}/rename`, { csrf, name: '  Desk laptop ' });
    assert.equal(renamed.status, 303);
    assert.match(await page(), /<td><bdi>Desk laptop<\/bdi><\/td>/);
    const bad = await agent.postForm(`${gh.issuer}/admin/passkeys/${first!.id}/rename`, { csrf, name: '' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Give the passkey a name of 1 to 64 characters/);
    const { events: renames } = await gh.gatehouse.services.audit.list({ type: 'admin.passkey_renamed' }, { limit: 5 });
    assert.equal(renames[0]?.details?.name, 'Desk laptop');
  });

  it("an admin who may not impersonate can remove their last passkey; nobody can remove another admin's", async () => {
    const { agent: other } = await signInConsole(gh.issuer, NOROLE);
    const only = new SoftwareAuthenticator();
    const { credentialId } = await enrollAdmin(gh, NOROLE, only, 'only key');
    const otherCsrf = await steppedUp(other, only);
    const alices = await gh.gatehouse.services.passkeys.list('admin', (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id);
    assert.equal((await remove(alices[0]!.id, other, otherCsrf)).status, 404);
    assert.equal((await remove(credentialId!, other, otherCsrf)).status, 303);
    assert.doesNotMatch(await page(other), /only key/);
  });

  it('signs out: the console session ends and Gatehouse is asked to end its own', async () => {
    const res = await agent.postForm(`${gh.issuer}/admin/logout`, { csrf });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location')!, /\/session\/end\?client_id=support-console/);
    assert.match(await (await agent.fetch(`${gh.issuer}/admin`)).text(), /You are signed out of the support console/);
    assert.equal((await agent.fetch(`${gh.issuer}/admin/passkeys`)).status, 302);
  });
});
