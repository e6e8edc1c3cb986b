/**
 * `gatehouse config apply` ends what its removals leave behind and leaves alone what the
 * file cannot say (PROTOCOL §11 "Removing a tenant, domain or client ends what depended on
 * it at once"), with the real CLI and server on a real Redis:
 * - a tenant disabled at runtime stays disabled when a file that lists it is applied (a file
 *   has no way to say "disabled"; `gatehouse tenant enable` is how it comes back);
 * - a verified domain a file drops (`--prune`) or moves to another scheme ends the live
 *   impersonation sessions on it: their tokens are inactive at introspection; and a move
 *   takes the old origin's URIs from the tenant's clients the file does not list, as
 *   removing the domain does (no code or logout is sent to an origin it no longer has).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintFields, redeemFields, SECRETS, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import { runCli } from '../helpers/cli.js';
import { steppedUpActor } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { TENANT_PORT, tenantOrigin } from '../helpers/ports.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { configureManagement } from './setup.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit config files as the untyped JSON they are
type Raw = Record<string, any>;

describe('config apply: what a removal ends, what a file cannot say (real CLI, real HTTP, real Redis)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let raw: Raw;
  let env: Record<string, string>;
  let actor: string;
  let bob: string;
  const cli = (...args: string[]) => runCli(args, env);
  /** The file the server started from, with every `from` replaced by `to`. */
  const moved = (from: string, to: string) => writeConfig(JSON.parse(JSON.stringify(raw).replaceAll(from, to)));

  /** An impersonation session on `audience` redeemed by acme-app: its access token. */
  async function session(audience: string): Promise<string> {
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob, { audience }));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const redeemed = await tokenRequest(gh.issuer, 'acme-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    return redeemed.body.access_token;
  }
  async function active(token: string): Promise<boolean> {
    const res = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`acme-app:${SECRETS['acme-app']}`).toString('base64')}` },
      body: new URLSearchParams({ token }),
    });
    return ((await res.json()) as { active: boolean }).active;
  }

  before(async () => {
    redis = await startTestRedis();
    gh = await startExchangeGatehouse({
      redisEnv: redis.env,
      configure: (r) => {
        configureManagement(r);
        raw = structuredClone(r);
      },
    });
    env = { ...redis.env, GATEHOUSE_CONFIG: writeConfig(raw), GATEHOUSE_ISSUER: gh.issuer, GATEHOUSE_DEMO_PORT: String(TENANT_PORT) };
    actor = await steppedUpActor(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('a tenant disabled at runtime stays disabled when a file that lists it is applied', async () => {
    const disabled = await cli('tenant', 'disable', 'wonka');
    assert.equal(disabled.code, 0, disabled.stderr);
    const applied = await cli('config', 'apply', writeConfig(raw));
    assert.equal(applied.code, 0, applied.stderr);
    await gh.gatehouse.services.tenancy.refresh();
    const cc = await tokenRequest(gh.issuer, 'wonka-app', { grant_type: 'client_credentials', scope: 'audit:read' });
    assert.equal(cc.status, 401, `a client of the disabled tenant authenticates again: ${JSON.stringify(cc.body)}`);
    assert.equal(applied.stdout.trim(), 'no changes');
    const enabled = await cli('tenant', 'enable', 'wonka');
    assert.equal(enabled.code, 0, enabled.stderr);
    await gh.gatehouse.services.tenancy.refresh();
    assert.equal((await tokenRequest(gh.issuer, 'wonka-app', { grant_type: 'client_credentials', scope: 'audit:read' })).status, 200);
  });

  it('--prune dropping a verified domain ends the sessions on it', async () => {
    const token = await session(tenantOrigin('acme'));
    assert.equal(await active(token), true);
    const applied = await cli('config', 'apply', moved(tenantOrigin('acme'), tenantOrigin('acme2')), '--prune');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^~ tenant acme: .*domain http:\/\/acme\.localhost:\d+ verified → \(removed\)/m);
    assert.equal(await active(token), false, 'the session on the dropped domain still works');
    assert.match(applied.stdout, /; 1 impersonation session\(s\) ended$/m);
  });

  it('a file moving a verified domain to https (no --prune) ends the sessions on its http origin, and takes its URIs from clients the file does not list', async () => {
    const http = tenantOrigin('acme2');
    const token = await session(http);
    // A client made at runtime, which the file cannot list: its URIs are on the http origin.
    const made = await cli('client', 'create', 'acme-runtime', '--tenant', 'acme', '--redirect-uri', `${http}/cb`, '--post-logout-uri', `${http}/bye`);
    assert.equal(made.code, 0, made.stderr);
    await gh.gatehouse.services.tenancy.refresh();
    const authorize = () => fetch(`${gh.issuer}/auth?${new URLSearchParams({ client_id: 'acme-runtime', response_type: 'code', scope: 'openid', redirect_uri: `${http}/cb`, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    assert.equal((await authorize()).status, 303, 'the authorization request goes on before the move');

    raw = JSON.parse(JSON.stringify(raw).replaceAll(tenantOrigin('acme'), http));
    const applied = await cli('config', 'apply', moved(http, http.replace('http:', 'https:')));
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^~ tenant acme: .*domain http:\/\/acme2\.localhost:\d+ verified → https:\/\/acme2\.localhost:\d+ verified/m);
    assert.equal(await active(token), false, 'the session on the old origin still works');
    assert.match(applied.stdout, /^~ client acme-runtime: URIs on http:\/\/acme2\.localhost:\d+ removed$/m);
    await gh.gatehouse.services.tenancy.refresh();
    const refused = await authorize();
    assert.equal(refused.status, 400, `a code could still be sent to the dropped origin (${refused.status} ${refused.headers.get('location')})`);
    const shown = await cli('client', 'show', 'acme-runtime');
    assert.doesNotMatch(shown.stdout, /acme2\.localhost:\d+\/(cb|bye)/, shown.stdout);
  });
});
