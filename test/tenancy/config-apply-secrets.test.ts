/**
 * Attacks on `gatehouse config apply` and the config file through the secrets of clients
 * (PROTOCOL §11; RFC 6749 §4.4: client credentials only for a confidential client), with the
 * real CLI and server on a real Redis:
 * - a client created at runtime (its secret generated, shown once) that a file lists without
 *   `clientSecret` keeps its secret: no one gets its tokens without it;
 * - a file declaring a management or console client, or a client credentials or token
 *   exchange client, without a secret is refused (at startup and at apply);
 * - a client without a secret that a store still holds (written before that rule) gets no
 *   token without one: a management or console client authenticates no more, a tenant
 *   client loses those grants;
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClientConfig } from '../../src/config/index.js';
import { ACME, SECRETS, T, tokenRequest } from '../exchange/setup.js';
import { runCli } from '../helpers/cli.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { TENANT_PORT } from '../helpers/ports.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { api, configureManagement, manageToken, OPS } from './setup.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit config files as the untyped JSON they are
type Raw = Record<string, any>;
const MANAGE_SCOPE = 'manage:tenants read:tenants';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

describe('config apply and client secrets (real CLI, real HTTP, real Redis)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let raw: Raw;
  let env: Record<string, string>;
  /** The file as the server started from it, plus `clients`. */
  const fileWith = (...clients: Raw[]) => writeConfig({ ...raw, clients: [...raw.clients, ...clients] });
  const apply = (file: string) => runCli(['config', 'apply', file], env);
  const asPublic = (clientId: string, fields: Record<string, string>) => tokenRequest(gh.issuer, null, { client_id: clientId, ...fields });

  before(async () => {
    redis = await startTestRedis();
    gh = await startGatehouse({
      redisEnv: redis.env,
      configure: (r) => {
        configureManagement(r);
        raw = structuredClone(r);
      },
    });
    env = { ...redis.env, GATEHOUSE_CONFIG: writeConfig(raw), GATEHOUSE_ISSUER: gh.issuer, GATEHOUSE_DEMO_PORT: String(TENANT_PORT) };
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('a management client created with the CLI, listed in a file without clientSecret: refused, and its secret still the only way in', async () => {
    const created = await runCli(['client', 'create', 'rt-ops', '--role', 'management', '--scope', MANAGE_SCOPE], env);
    assert.equal(created.code, 0, created.stderr);
    SECRETS['rt-ops'] = created.stdout.trim();
    assert.ok(await manageToken(gh.issuer, 'rt-ops', MANAGE_SCOPE));

    const applied = await apply(fileWith({ clientId: 'rt-ops', role: 'management', grantTypes: ['client_credentials'], scope: MANAGE_SCOPE }));
    await gh.gatehouse.services.tenancy.refresh();
    const stolen = await asPublic('rt-ops', { grant_type: 'client_credentials', scope: MANAGE_SCOPE, resource: `${gh.issuer}/manage` });
    assert.deepEqual([stolen.status, stolen.body.error], [401, 'invalid_client'], `a management token without a secret: ${JSON.stringify(stolen.body)}`);
    assert.equal(applied.code, 1, applied.stdout);
    assert.match(applied.stderr, /^gatehouse: invalid config .*clients\[\d+\]\.clientSecret: a management client needs a secret/);
    assert.ok(await manageToken(gh.issuer, 'rt-ops', MANAGE_SCOPE), 'the secret shown at creation still works');
  });

  it('a tenant client created through the API, listed without clientSecret: apply keeps its secret (no "secret replaced")', async () => {
    const ops = await manageToken(gh.issuer, OPS.clientId);
    const fields = { clientId: 'acme-web', redirectUris: [`${ACME}/web/callback`], grantTypes: ['authorization_code', 'refresh_token'] };
    const created = await api(gh.issuer, ops, 'POST', '/tenants/acme/clients', fields);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    SECRETS['acme-web'] = created.body.clientSecret;

    const applied = await apply(fileWith({ ...fields, role: 'tenant', tenant: 'acme' }));
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout.trim(), 'no changes');
    await gh.gatehouse.services.tenancy.refresh();
    const code = { grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: `${ACME}/web/callback`, code_verifier: 'v'.repeat(43) };
    const anonymous = await asPublic('acme-web', code);
    assert.deepEqual([anonymous.status, anonymous.body.error], [401, 'invalid_client'], 'the client stays confidential');
    const authenticated = await tokenRequest(gh.issuer, 'acme-web', code);
    assert.deepEqual([authenticated.status, authenticated.body.error], [400, 'invalid_grant'], 'its secret still authenticates it');
  });

  it('a file with a secretless management, console, client credentials or token exchange client: refused at apply and at startup', async () => {
    const secretless: [Raw, RegExp][] = [
      [{ clientId: 'x-ops', role: 'management', grantTypes: ['client_credentials'], scope: 'read:tenants' }, /a management client needs a secret/],
      [{ clientId: 'x-console', role: 'support-console', redirectUris: [`${gh.issuer}/x/callback`], grantTypes: ['authorization_code', T.exchange], scope: 'openid' }, /a support-console client needs a secret/],
      [{ clientId: 'x-batch', role: 'tenant', tenant: 'acme', grantTypes: ['client_credentials'], scope: 'audit:read' }, /the client_credentials grant needs a secret/],
      [{ clientId: 'x-redeem', role: 'tenant', tenant: 'acme', grantTypes: [T.exchange], scope: 'openid' }, /the urn:ietf:params:oauth:grant-type:token-exchange grant needs a secret/],
    ];
    await Promise.all(
      secretless.map(async ([client, says]) => {
        const file = fileWith(client);
        const refusal = new RegExp(`^gatehouse: invalid config .*clients\\[${raw.clients.length}\\]\\.clientSecret: ${says.source}`);
        const applied = await apply(file);
        assert.equal(applied.code, 1, `${client.clientId}: ${applied.stdout}`);
        assert.match(applied.stderr, refusal, client.clientId);
        const started = await runServer({ GATEHOUSE_CONFIG: file, ...redis.env });
        assert.equal(started.code, 1, `${client.clientId}: ${started.stderr}`);
        assert.match(started.stderr, refusal, client.clientId);
      }),
    );
    const publicApp = { clientId: 'x-spa', role: 'tenant', tenant: 'acme', redirectUris: [`${ACME}/spa`], grantTypes: ['authorization_code', 'refresh_token'] };
    const allowed = await apply(fileWith(publicApp));
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /^\+ client x-spa \(tenant acme\)$/m, 'a public code-flow client stays allowed');
  });

  it('a secretless client a store already holds gets no token without a secret', async () => {
    const tenancy = gh.gatehouse.services.tenancy;
    // What an earlier version's apply could write: clients with no secret at all.
    const bare = { redirectUris: [], postLogoutRedirectUris: [] };
    const legacy: ClientConfig[] = [
      { ...bare, clientId: 'legacy-ops', role: 'management', grantTypes: ['client_credentials'], scope: MANAGE_SCOPE },
      { ...bare, clientId: 'legacy-batch', role: 'tenant', tenant: 'acme', grantTypes: ['client_credentials', EXCHANGE], scope: 'audit:read' },
      { ...bare, clientId: 'legacy-web', role: 'tenant', tenant: 'acme', redirectUris: [`${ACME}/legacy`], grantTypes: ['authorization_code', 'client_credentials', EXCHANGE], scope: 'openid audit:read' },
    ];
    await tenancy.apply({ kind: 'cli' }, { tenants: [], roles: [], clients: legacy });
    await tenancy.refresh();
    const ops = await asPublic('legacy-ops', { grant_type: 'client_credentials', scope: MANAGE_SCOPE, resource: `${gh.issuer}/manage` });
    assert.deepEqual([ops.status, ops.body.error], [401, 'invalid_client'], JSON.stringify(ops.body));
    const batch = await asPublic('legacy-batch', { grant_type: 'client_credentials', scope: 'audit:read' });
    assert.deepEqual([batch.status, batch.body.error], [401, 'invalid_client'], JSON.stringify(batch.body));
    const web = await asPublic('legacy-web', { grant_type: 'client_credentials', scope: 'audit:read' });
    assert.deepEqual([web.status, web.body.error], [400, 'unauthorized_client'], JSON.stringify(web.body));
    const redeem = await asPublic('legacy-web', { grant_type: EXCHANGE, subject_token: 'x', subject_token_type: T.ticket });
    assert.deepEqual([redeem.status, redeem.body.error], [400, 'unauthorized_client'], JSON.stringify(redeem.body));
  });

  it('the API does not give a public client client_credentials or token exchange', async () => {
    const tenancy = gh.gatehouse.services.tenancy;
    const spa: ClientConfig = { clientId: 'y-spa', role: 'tenant', tenant: 'acme', redirectUris: [`${ACME}/y`], postLogoutRedirectUris: [], grantTypes: ['authorization_code'], scope: 'openid' };
    await tenancy.apply({ kind: 'cli' }, { tenants: [], roles: [], clients: [spa] });
    const ops = await manageToken(gh.issuer, OPS.clientId);
    const path = '/tenants/acme/clients/y-spa';
    const etag = (await api(gh.issuer, ops, 'GET', path)).headers.get('etag')!;
    for (const grant of ['client_credentials', T.exchange]) {
      const widened = await api(gh.issuer, ops, 'PATCH', path, { grantTypes: ['authorization_code', grant] }, { 'if-match': etag });
      assert.equal(widened.status, 400, JSON.stringify(widened.body));
      assert.equal(widened.body.code, 'body_invalid');
      assert.match(JSON.stringify(widened.body), /grantTypes: .* needs a secret/);
    }
    await tenancy.refresh();
    const stolen = await asPublic('y-spa', { grant_type: 'client_credentials', scope: 'openid' });
    assert.deepEqual([stolen.status, stolen.body.error], [400, 'unauthorized_client'], JSON.stringify(stolen.body));
  });
});

/** Runs `node --import tsx src/server.ts` to its exit. */
function runServer(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/server.ts')], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', GATEHOUSE_DEMO_APP: 'off', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 20_000,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stderr }));
  });
}
