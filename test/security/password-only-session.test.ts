/**
 * Issue 8 row 1, PROTOCOL §10.1: a password alone never registers, removes or renames an
 * admin's passkey, never obtains an enrollment link, and never mints. An attacker holding
 * alice's password (acr `pwd`) tries every route such a console session has, over HTTP on a
 * real Redis, then tries to step up with whatever key it managed to add; no ticket comes out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { csrfOf, postJson, signInConsole, stepUp } from '../helpers/console.js';
import { followThrough } from '../helpers/console-pages.js';
import { givePasskey } from '../helpers/enroll.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { lastEvent, mintFields, passwordAdminToken, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
const NEWBIE = { email: 'newbie@gatehouse.test', password: 'newbie-demo-pass' };

describe('a password-only console session (acr pwd) gets no passkey change and no ticket', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let aliceId: string;
  let bob: string;
  const realKey = new SoftwareAuthenticator();
  const spareKey = new SoftwareAuthenticator();
  const attackerKey = new SoftwareAuthenticator();

  const held = async (adminId = aliceId) => (await gh.gatehouse.services.passkeys.list('admin', adminId)).map((p) => `${p.id}:${p.name}`).sort();
  const eventCount = async (type: 'admin.passkey_registered' | 'admin.passkey_removed') =>
    (await gh.gatehouse.services.audit.list({ type }, { limit: 100 })).events.length;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        // Alice may manage admins, so the enrollment-link routes are hers to try too.
        for (const role of raw.roles) if (role.name === 'support') role.manageAdmins = true;
        raw.seed.admins.push({ ...NEWBIE, name: 'New Admin', roles: ['support'] });
      },
    });
    aliceId = (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id;
    bob = await userId(gh, 'acme', 'bob@acme.test');
    // Alice's genuine passkeys (two, so "all but the last" removals are possible).
    await givePasskey(gh, 'admin', ALICE.email, realKey, 'real key');
    await givePasskey(gh, 'admin', ALICE.email, spareKey, 'spare key');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('tries register, remove, rename, enrollment links, recovery and a step-up with a fresh key: nothing changes, no ticket', async () => {
    const before = await held();
    const [registeredBefore, removedBefore] = [await eventCount('admin.passkey_registered'), await eventCount('admin.passkey_removed')];
    const { agent, csrf } = await signInConsole(gh.issuer, ALICE);
    const newbieId = (await gh.gatehouse.services.accounts.admins.findByEmail(NEWBIE.email))!.id;
    // Every attempt runs; what got through is collected and reported at the end.
    const breaches: string[] = [];

    /** The registration ceremony a page would run, with the attacker's authenticator. */
    async function tryRegister(by: HttpAgent, token: string, label: string) {
      const options = await postJson(by, `${gh.issuer}/admin/passkeys/options`, token, {});
      if (!options.ok) return;
      breaches.push(`${label}: registration options (${options.status})`);
      const { options: creation, handle } = (await options.json()) as { options: PublicKeyCredentialCreationOptionsJSON; handle: string };
      const response = attackerKey.createCredential(creation, gh.issuer);
      const verified = await postJson(by, `${gh.issuer}/admin/passkeys/verify`, token, { handle, response, name: 'attacker' });
      if (verified.ok) breaches.push(`${label}: attacker key registered`);
    }
    await tryRegister(agent, csrf, 'alice');
    // Verify without options: a registration response for a challenge the attacker made up.
    const forged = await postJson(agent, `${gh.issuer}/admin/passkeys/verify`, csrf, { handle: 'x'.repeat(43), response: {}, name: 'attacker' });
    if (forged.ok) breaches.push('verify without options');

    // Remove and rename each of alice's passkeys.
    for (const passkey of await gh.gatehouse.services.passkeys.list('admin', aliceId)) {
      if (passkey.name === 'attacker') continue;
      await agent.postForm(`${gh.issuer}/admin/passkeys/${passkey.id}/delete`, { csrf });
      await agent.postForm(`${gh.issuer}/admin/passkeys/${passkey.id}/rename`, { csrf, name: 'pwned' });
    }

    // Enrollment links: for herself (recovery of a "lost" passkey) and for another admin.
    for (const target of [aliceId, newbieId]) {
      const res = await agent.postForm(`${gh.issuer}/admin/admins/${target}/enroll-link`, { csrf });
      const html = await res.text();
      if (/\/admin\/enroll\?token=/.test(html)) breaches.push(`enrollment link for ${target}`);
    }
    // Recovery without a link: the enrollment page with a made-up token, with alice's password.
    const bogus = 'A'.repeat(43);
    const enrollPage = await agent.fetch(`${gh.issuer}/admin/enroll?token=${bogus}`);
    if (enrollPage.status === 200) breaches.push('enrollment page for a made-up token');
    const enrollPost = await agent.postForm(`${gh.issuer}/admin/enroll`, { csrf: csrfOf(await enrollPage.text()) || csrf, token: bogus, password: ALICE.password });
    if (enrollPost.status === 303) breaches.push('enrollment opened with a made-up token');

    // An admin with no passkey at all cannot register a first one from the console either.
    const newbie = await signInConsole(gh.issuer, NEWBIE);
    await tryRegister(newbie.agent, newbie.csrf, 'newbie');

    // Step-up with the attacker's key (had it been added, this is where it would pay off).
    const actors: string[] = [];
    for (const [who, by] of [['alice', agent], ['newbie', newbie.agent]] as const) {
      const stepped = await stepUp(gh.issuer, by, attackerKey).catch(() => null);
      if (stepped) {
        breaches.push(`${who}: stepped up with the attacker key (acr ${stepped.acr})`);
        actors.push(stepped.accessToken);
      }
    }
    // Whatever access tokens a password gets (or the step-up gave), none mints.
    actors.push(await passwordAdminToken(gh, ALICE.email, ALICE.password), await passwordAdminToken(gh, NEWBIE.email, NEWBIE.password));
    for (const actor of actors) {
      const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
      if (minted.status === 200 || minted.body.access_token) breaches.push(`minted a ticket (${minted.status})`);
    }

    assert.deepEqual(breaches, [], 'a password alone got through');
    assert.deepEqual(await held(), before, "alice's passkeys are exactly as before");
    assert.deepEqual(await held(newbieId), [], 'the passkey-less admin still has none');
    assert.equal(await eventCount('admin.passkey_registered'), registeredBefore);
    assert.equal(await eventCount('admin.passkey_removed'), removedBefore);
    assert.equal(await lastEvent(gh, 'impersonation.ticket_issued'), undefined, 'no ticket was ever issued');
  });

  it('the console sends a password session through the step-up and back; then alice may add, rename and remove', async () => {
    const agent = new HttpAgent();
    await signInConsole(gh.issuer, ALICE, agent);
    const list = await (await agent.fetch(`${gh.issuer}/admin/passkeys`)).text();
    assert.doesNotMatch(list, /id="passkey-register"/, 'no register button before the step-up');
    assert.match(list, /href="\/admin\/stepup\?return=\/admin\/passkeys"/);

    // Through the step-up with her real passkey, and back to the passkeys page.
    const landed = await followThrough(agent, `${gh.issuer}/admin/stepup?return=/admin/passkeys`, realKey);
    assert.equal(landed.url.pathname, '/admin/passkeys');
    assert.match(landed.html, /id="passkey-register"/);
    const csrf = csrfOf(landed.html);

    const started = await postJson(agent, `${gh.issuer}/admin/passkeys/options`, csrf, {});
    assert.equal(started.status, 200);
    const { options, handle } = (await started.json()) as { options: PublicKeyCredentialCreationOptionsJSON; handle: string };
    const added = new SoftwareAuthenticator();
    const verified = await postJson(agent, `${gh.issuer}/admin/passkeys/verify`, csrf, { handle, response: added.createCredential(options, gh.issuer), name: 'third key' });
    assert.equal(verified.status, 200, await verified.clone().text());
    const third = ((await verified.json()) as { passkey: { id: string } }).passkey.id;

    const renamed = await agent.postForm(`${gh.issuer}/admin/passkeys/${third}/rename`, { csrf, name: 'Desk key' });
    assert.equal(renamed.status, 303);
    assert.ok((await held()).includes(`${third}:Desk key`));
    const removed = await agent.postForm(`${gh.issuer}/admin/passkeys/${third}/delete`, { csrf });
    assert.equal(removed.status, 303);
    assert.ok(!(await held()).some((p) => p.startsWith(`${third}:`)));
    const registered = await lastEvent(gh, 'admin.passkey_registered');
    assert.equal(registered?.admin, aliceId);
    assert.equal((await lastEvent(gh, 'admin.passkey_removed'))?.details?.credentialId, third.slice(0, 64));
  });
});
