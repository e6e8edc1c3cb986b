/**
 * Issue 8 row 12, PROTOCOL §3.4: the first presentation of a ticket burns it whatever its
 * outcome, including a `requested_token_type` Gatehouse does not issue. Real Redis, HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { givePasskey } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { lastEvent, mintFields, redeemFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';

describe('a ticket is burned by its first presentation, whatever it asked for', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let actor: string;
  let bob: string;
  const replays = async () => (await gh.gatehouse.services.audit.list({ type: 'impersonation.ticket_replayed' }, { limit: 100 })).events.length;

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({ redisUrl: redis.url });
    const key = new SoftwareAuthenticator();
    await givePasskey(gh, 'admin', 'alice@gatehouse.test', key);
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    actor = (await stepUp(gh.issuer, agent, key)).accessToken;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  for (const requested of ['urn:ietf:params:oauth:token-type:refresh_token', 'urn:ietf:params:oauth:token-type:id_token', 'urn:example:made-up']) {
    it(`requested_token_type ${requested.split(':').at(-1)}: 400, and the ticket no longer redeems`, async () => {
      const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      const ticket = minted.body.access_token as string;
      const replaysBefore = await replays();
      const first = await tokenRequest(gh.issuer, 'acme-app', { ...redeemFields(ticket), requested_token_type: requested });
      assert.equal(first.status, 400);
      assert.equal(first.body.error, 'invalid_request');
      assert.equal((await lastEvent(gh, 'impersonation.denied'))?.code, 'requested_token_type_unsupported');
      const second = await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket));
      assert.equal(second.status, 400, `the ticket redeemed after a refused presentation: ${JSON.stringify(second.body)}`);
      assert.equal(second.body.access_token, undefined);
      assert.equal(await replays(), replaysBefore + 1, 'the second presentation is audited as a replay');
    });
  }
});
