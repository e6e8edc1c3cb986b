/**
 * Names people know (issue 12): the impersonation token's `impersonation.actor_display` and
 * introspection name the admin as the tenant's `showAdminAs` says: the display name (the
 * default), the email, or only the tenant's `supportTeamLabel`; never the internal id alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { ACME, mintFields, redeemFields, SECRETS, startExchangeGatehouse, tokenRequest, userId } from './setup.js';
import { tenantOrigin } from '../helpers/ports.js';

const HOOLI = tenantOrigin('hooli');
const UMBRELLA = tenantOrigin('umbrella');

describe('impersonation.actor_display follows the tenant setting', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let actorToken: string;
  // tokenRequest authenticates with SECRETS: the two new tenant clients join it.
  const secrets = Object.assign(SECRETS, { 'hooli-app': 'dev-hooli-secret', 'umbrella-app': 'dev-umbrella-secret' });

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.tenants.push(
          { id: 'hooli', name: 'Hooli', domains: [HOOLI], showAdminAs: 'email' },
          { id: 'umbrella', name: 'Umbrella', domains: [UMBRELLA], showAdminAs: 'team', supportTeamLabel: 'Umbrella Support' },
        );
        for (const [id, origin] of [['hooli', HOOLI], ['umbrella', UMBRELLA]] as const) {
          raw.clients.push({
            clientId: `${id}-app`,
            clientSecret: secrets[`${id}-app`],
            role: 'tenant',
            tenant: id,
            redirectUris: [`${origin}/callback`],
            grantTypes: ['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange'],
          });
          raw.seed.users.push({ tenant: id, email: `pat@${id}.test`, name: `Pat ${id}`, password: `pat-${id}-demo-pass` });
        }
      },
    });
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    const authenticator = new SoftwareAuthenticator();
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
    actorToken = (await stepUp(gh.issuer, agent, authenticator)).accessToken;
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  /** Mints and redeems for a user of `tenant`; returns the claim in the token and at introspection. */
  async function impersonate(tenant: string, email: string, audience: string) {
    const user = await userId(gh, tenant, email);
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actorToken, user, { audience }));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const client = `${tenant}-app`;
    const redeemed = await tokenRequest(gh.issuer, client, redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const token = redeemed.body.access_token as string;
    const intro = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client}:${secrets[client]}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    const introspected = (await intro.json()) as { active: boolean; impersonation: { actor_display?: string } };
    assert.equal(introspected.active, true);
    const claims = decodeJwt(token) as { impersonation: { actor_display?: string }; act: { sub: string } };
    return { token: claims.impersonation.actor_display, introspection: introspected.impersonation.actor_display, actor: claims.act.sub };
  }

  it('name (the default): "Alice Admin (support)", and act.sub keeps the id', async () => {
    const seen = await impersonate('acme', 'bob@acme.test', ACME);
    assert.equal(seen.token, 'Alice Admin (support)');
    assert.equal(seen.introspection, 'Alice Admin (support)');
    assert.match(seen.actor, /^adm_/);
  });

  it('email: the admin email and the label', async () => {
    const seen = await impersonate('hooli', 'pat@hooli.test', HOOLI);
    assert.equal(seen.token, 'alice@gatehouse.test (support)');
    assert.equal(seen.introspection, seen.token);
  });

  it('team: only the label, neither name nor email', async () => {
    const seen = await impersonate('umbrella', 'pat@umbrella.test', UMBRELLA);
    assert.equal(seen.token, 'Umbrella Support');
    assert.equal(seen.introspection, 'Umbrella Support');
  });
});
