/**
 * Every row of PROTOCOL §4, each asserting status, `error`, and the audited reason code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAccessCode } from '../../src/impersonation/access-codes.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import {
  ACME,
  GLOBEX,
  INITECH,
  lastEvent,
  mintFields,
  passwordAdminToken,
  redeemFields,
  startExchangeGatehouse,
  T,
  tokenRequest,
  userId,
} from './setup.js';

describe('token exchange refusals (PROTOCOL §4)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let actor: string;
  let bob: string;
  const authenticator = new SoftwareAuthenticator();

  /** Asserts the wire error and the audited reason code of one refusal. */
  async function refused(
    res: Awaited<ReturnType<typeof tokenRequest>>,
    status: number,
    error: string,
    code?: string,
  ) {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error, error);
    assert.ok(res.body.error_description, 'says why');
    if (code) assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, code);
  }

  async function mint(extra: Record<string, string | string[]> = {}, subject = bob, token = actor, client = 'support-console') {
    return tokenRequest(gh.issuer, client, mintFields(token, subject, extra));
  }

  before(async () => {
    redis = await startTestRedis();
    gh = await startExchangeGatehouse({
      redisEnv: redis.env,
      configure: (raw) => {
        raw.policy.rateLimits = { ticketsPerAdmin: { points: 1000, duration: 600 }, accessCodesPerAdmin: { points: 1000, duration: 600 } };
      },
    });
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'test key');
    actor = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('client unauthenticated (no credentials, or a wrong secret) → 401 invalid_client', async () => {
    const none = await tokenRequest(gh.issuer, null, mintFields(actor, bob));
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'invalid_client');
    const wrong = await fetch(`${gh.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('support-console:wrong').toString('base64')}` },
      body: new URLSearchParams(mintFields(actor, bob)),
    });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
  });

  it('a tenant client minting → unauthorized_client', async () => {
    await refused(await mint({}, bob, actor, 'acme-app'), 400, 'unauthorized_client', 'client_not_console');
  });

  it('a client without token exchange in grant_types → unauthorized_client', async () => {
    const res = await mint({}, bob, actor, 'plain-app');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unauthorized_client');
  });

  it('a console client redeeming → unauthorized_client, and the ticket is burned', async () => {
    const ticket = (await mint()).body.access_token;
    await refused(await tokenRequest(gh.issuer, 'support-console', redeemFields(ticket)), 400, 'unauthorized_client', 'client_not_tenant');
    await refused(await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket)), 400, 'invalid_request');
  });

  it('actor token missing, garbage, or of the wrong type → invalid_request', async () => {
    const { actor_token: _a, ...noActor } = mintFields(actor, bob);
    await refused(await tokenRequest(gh.issuer, 'support-console', noActor), 400, 'invalid_request', 'actor_token_missing');
    await refused(await mint({}, bob, 'not-a-token'), 400, 'invalid_request', 'actor_token_invalid');
    await refused(await mint({ actor_token_type: T.userId }), 400, 'invalid_request', 'actor_token_type_unsupported');
  });

  it('a revoked actor token → invalid_request', async () => {
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const token = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
    const revoke = await fetch(`${gh.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: (await import('./setup.js')).basic('support-console') },
      body: new URLSearchParams({ token }),
    });
    assert.equal(revoke.status, 200);
    await refused(await mint({}, bob, token), 400, 'invalid_request', 'actor_token_invalid');
  });

  it('a user\'s token as actor (not an admin\'s, not the console\'s) → invalid_request', async () => {
    const { discover, login } = await import('../helpers/oidc-flow.js');
    const acme = await discover(gh.issuer, 'acme-app', 'dev-acme-secret');
    const { tokens } = await login(acme, { redirectUri: `${ACME}/callback`, email: 'bob@acme.test', password: 'bob-demo-pass' });
    await refused(await mint({}, bob, tokens.access_token), 400, 'invalid_request', 'actor_token_invalid');
  });

  it('not stepped up (acr pwd) → invalid_request with acr_values and max_age hints (RFC 9470)', async () => {
    const pwdToken = await passwordAdminToken(gh, 'alice@gatehouse.test', 'alice-demo-pass');
    const res = await mint({}, bob, pwdToken);
    await refused(res, 400, 'invalid_request', 'actor_not_stepped_up');
    assert.equal(res.body.acr_values, 'phr');
    assert.equal(res.body.max_age, 300);
  });

  it('an admin without a passkey cannot mint', async () => {
    const token = await passwordAdminToken(gh, 'nopass@gatehouse.test', 'nopass-demo-pass');
    await refused(await mint({}, bob, token), 400, 'invalid_request', 'actor_no_passkey');
  });

  it('subject unknown, disabled, or an admin → invalid_request without telling which', async () => {
    const unknown = await mint({}, 'usr_doesnotexist');
    await refused(unknown, 400, 'invalid_request', 'subject_unavailable');
    const danId = await userId(gh, 'acme', 'dan@acme.test');
    await gh.gatehouse.services.accounts.users.setDisabled(danId, true);
    const disabled = await mint({}, danId);
    await refused(disabled, 400, 'invalid_request', 'subject_unavailable');
    assert.equal(disabled.body.error_description, unknown.body.error_description, 'no enumeration');
    const admin = await gh.gatehouse.services.accounts.admins.findByEmail('alice@gatehouse.test');
    await refused(await mint({}, admin!.id), 400, 'invalid_request', 'subject_is_admin');
  });

  it('consent missing: opt-in tenant with the user opted out; access-code tenant without a code', async () => {
    const ivy = await userId(gh, 'initech', 'ivy@initech.test');
    await refused(await mint({ audience: INITECH }, ivy), 400, 'invalid_request', 'consent_missing');
    const dave = await userId(gh, 'globex', 'dave@globex.test');
    await refused(await mint({ audience: GLOBEX }, dave), 400, 'invalid_request', 'access_code_required');
    await refused(
      await mint({ audience: GLOBEX, subject_token_type: T.accessCode }, 'WRONG-CODE2'),
      400,
      'invalid_request',
      'access_code_invalid',
    );
  });

  it('a mint refused for another reason does not use up the access code; the code then works once', async () => {
    const dave = await userId(gh, 'globex', 'dave@globex.test');
    const { code } = await createAccessCode(gh.gatehouse.services.store, dave, 'globex', 600);
    const withCode = (extra: Record<string, string>) => mint({ audience: GLOBEX, subject_token_type: T.accessCode, ...extra }, code);
    await refused(await withCode({ reason: 'x' }), 400, 'invalid_request', 'reason_invalid');
    await refused(await withCode({ duration: '99999' }), 400, 'invalid_request', 'duration_invalid');
    const ok = await withCode({});
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await refused(await withCode({}), 400, 'invalid_request', 'access_code_invalid');
  });

  it('a token carrying act, as subject or as actor → invalid_request', async () => {
    const ticket = (await mint()).body.access_token;
    const impersonation = (await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket))).body.access_token;
    await refused(await mint({ subject_token_type: T.accessToken }, impersonation), 400, 'invalid_request', 'subject_token_has_act');
    await refused(await mint({}, bob, impersonation), 400, 'invalid_request', 'actor_token_has_act');
  });

  it('roles not covering the tenant, or a sensitive user without a role that allows it → invalid_target', async () => {
    const { agent } = await signInConsole(gh.issuer, { email: 'gina@gatehouse.test', password: 'gina-demo-pass' });
    const ginaKey = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'gina@gatehouse.test', password: 'gina-demo-pass' }, ginaKey, 'gina key');
    const gina = (await stepUp(gh.issuer, agent, ginaKey)).accessToken;
    await refused(await mint({}, bob, gina), 400, 'invalid_target', 'tenant_not_covered');
    const carol = await userId(gh, 'acme', 'carol@acme.test');
    await refused(await mint({}, carol), 400, 'invalid_target', 'sensitive_user');
  });

  it('audience missing or not a domain of the user\'s tenant → invalid_target', async () => {
    const { audience: _a, ...noAudience } = mintFields(actor, bob);
    await refused(await tokenRequest(gh.issuer, 'support-console', noAudience), 400, 'invalid_target', 'audience_missing');
    await refused(await mint({ audience: GLOBEX }), 400, 'invalid_target', 'audience_invalid');
    await refused(await mint({ audience: [ACME, GLOBEX] }), 400, 'invalid_target', 'audience_invalid');
  });

  it('a globex client redeeming an acme ticket → invalid_target, and burns it', async () => {
    const ticket = (await mint()).body.access_token;
    await refused(await tokenRequest(gh.issuer, 'globex-app', redeemFields(ticket)), 400, 'invalid_target', 'redeem_wrong_tenant');
    await refused(await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket)), 400, 'invalid_request');
  });

  it('scope outside the tenant\'s impersonation scopes → invalid_scope', async () => {
    await refused(await mint({ scope: 'openid admin:write' }), 400, 'invalid_scope', 'scope_invalid');
  });

  it('reason missing or out of bounds; duration out of bounds → invalid_request', async () => {
    await refused(await mint({ reason: '' }), 400, 'invalid_request', 'reason_invalid');
    await refused(await mint({ reason: 'x' }), 400, 'invalid_request', 'reason_invalid');
    await refused(await mint({ reason: 'y'.repeat(501) }), 400, 'invalid_request', 'reason_invalid');
    await refused(await mint({ duration: '10' }), 400, 'invalid_request', 'duration_invalid');
    await refused(await mint({ duration: '3601' }), 400, 'invalid_request', 'duration_invalid');
    await refused(await mint({ duration: 'soon' }), 400, 'invalid_request', 'duration_invalid');
  });

  it('ticket unknown or already presented → invalid_request', async () => {
    await refused(await tokenRequest(gh.issuer, 'acme-app', redeemFields('A'.repeat(43))), 400, 'invalid_request', 'ticket_invalid');
    const ticket = (await mint()).body.access_token;
    assert.equal((await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket))).status, 200);
    await refused(await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket)), 400, 'invalid_request');
    assert.equal((await lastEvent(gh, 'impersonation.ticket_replayed'))?.code, 'ticket_replayed');
  });
});
