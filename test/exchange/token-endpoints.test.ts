/**
 * Impersonation tokens at introspection and revocation are answered inside the engine's
 * own routes, after its client authentication (src/oidc/structured-tokens.ts): a live
 * impersonation token presented by its own client id with a wrong secret, by secret alone,
 * or with a client_id and no secret learns nothing and ends nothing; the engine's
 * refusal of structured tokens (its error path) never runs for them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { givePasskey } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { basic, mintFields, redeemFields, SECRETS, startExchangeGatehouse, tokenRequest, userId } from './setup.js';

describe('impersonation tokens at introspection and revocation: the engine authenticates the client', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let jwt: string;
  const errors: string[] = [];

  const post = (path: string, headers: Record<string, string>, body: Record<string, string>) =>
    fetch(`${gh.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body) });
  const wrongSecret = `Basic ${Buffer.from('acme-app:not-the-secret').toString('base64')}`;
  const introspect = async (headers: Record<string, string>, body: Record<string, string> = {}) => {
    const res = await post('/token/introspection', headers, { token: jwt, ...body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    redis = await startTestRedis();
    gh = await startExchangeGatehouse({ redisEnv: redis.env });
    const key = new SoftwareAuthenticator();
    await givePasskey(gh, 'admin', 'alice@gatehouse.test', key, 'laptop');
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const actor = (await stepUp(gh.issuer, agent, key)).accessToken;
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, await userId(gh, 'acme', 'bob@acme.test')));
    jwt = (await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token))).body.access_token;
    const provider = gh.gatehouse.services.provider as unknown as NodeJS.EventEmitter;
    for (const event of ['introspection.error', 'revocation.error']) provider.on(event, (_ctx: unknown, err: Error) => errors.push(`${event} ${err.name}`));
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('the token, by its own client: active, with no error path taken', async () => {
    const answer = await introspect({ authorization: basic('acme-app') });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.active, true);
    assert.deepEqual(errors, [], 'the engine refused nothing');
  });

  it('its client id with a wrong secret, or no secret, learns nothing', async () => {
    const wrong = await introspect({ authorization: wrongSecret });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    assert.equal(wrong.body.active, undefined);
    const noSecret = await introspect({}, { client_id: 'acme-app' });
    assert.ok(noSecret.status === 400 || noSecret.status === 401, String(noSecret.status));
    assert.equal(noSecret.body.active, undefined);
    const secretInBody = await introspect({}, { client_id: 'acme-app', client_secret: 'not-the-secret' });
    assert.equal(secretInBody.status, 401);
    assert.equal(secretInBody.body.active, undefined);
    // Refused by the engine's client authentication, never by its refusal of structured tokens.
    assert.ok(errors.length >= 3 && errors.every((e) => /^introspection\.error (InvalidClientAuth|InvalidRequest)$/.test(e)), errors.join());
  });

  it('revocation with a wrong secret ends nothing; with the right one it ends the session', async () => {
    const wrong = await post('/token/revocation', { authorization: wrongSecret }, { token: jwt });
    assert.equal(wrong.status, 401);
    assert.equal((await introspect({ authorization: basic('acme-app') })).body.active, true, 'still live');
    const right = await post('/token/revocation', { authorization: basic('acme-app') }, { token: jwt });
    assert.equal(right.status, 200);
    assert.equal((await introspect({ authorization: basic('acme-app') })).body.active, false);
    assert.equal((await introspect({ authorization: `Basic ${Buffer.from(`support-console:${SECRETS['support-console']}`).toString('base64')}` })).body.active, false);
  });
});
