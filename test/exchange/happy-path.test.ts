/**
 * The whole impersonation over HTTP: step-up with a passkey, mint as the console, redeem as
 * the tenant, validate the JWT as a resource server would, userinfo, introspection,
 * revocation, audit, webhooks, and no ticket in any log line.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { verifyWebhookSignature } from '../../src/delivery/index.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { discover, oidc } from '../helpers/oidc-flow.js';
import { freePort } from '../helpers/ports.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { ACME, lastEvent, mintFields, redeemFields, SECRETS, startExchangeGatehouse, T, tokenRequest, userId } from './setup.js';

interface Delivery {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('impersonation happy path (real Redis, openid-client, software passkey)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let receiver: Server;
  const deliveries: Delivery[] = [];
  const authenticator = new SoftwareAuthenticator();
  let actor: string;
  let adminId: string;
  let bob: string;
  let ticket: string;
  let jwt: string;

  before(async () => {
    const port = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        deliveries.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    }).listen(port, '127.0.0.1');
    redis = await startTestRedis();
    gh = await startExchangeGatehouse({
      redisEnv: redis.env,
      configure: (raw) => {
        raw.webhooks = [
          { url: `http://127.0.0.1:${port}/slack`, format: 'slack', events: ['impersonation.started', 'impersonation.ended'] },
          { url: `http://127.0.0.1:${port}/json`, format: 'json', secret: 'dev-webhook-secret', events: ['impersonation.started'] },
        ];
      },
    });
    const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    await enrollAdmin(gh, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, authenticator, 'laptop');
    const stepped = await stepUp(gh.issuer, agent, authenticator);
    assert.equal(stepped.acr, 'phr');
    actor = stepped.accessToken;
    adminId = (await gh.gatehouse.services.accounts.admins.findByEmail('alice@gatehouse.test'))!.id;
    bob = await userId(gh, 'acme', 'bob@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
    receiver?.close();
  });

  it('the console mints a one-time ticket', async () => {
    const res = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob, { duration: '900', scope: 'openid profile' }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.issued_token_type, T.ticket);
    assert.equal(res.body.token_type, 'N_A');
    assert.equal(res.body.expires_in, 60);
    assert.equal(res.body.redeem_uri, `${ACME}/impersonate`);
    ticket = res.body.access_token;
    // PROTOCOL §3.2: base64url; a version byte, 256 CSPRNG bits, then the record sealed (AES-256-GCM).
    assert.match(ticket, /^[A-Za-z0-9_-]+$/);
    const bytes = Buffer.from(ticket, 'base64url');
    assert.equal(bytes[0], 1);
    assert.ok(bytes.length >= 1 + 32 + 16 + 1, `${bytes.length} bytes`);
    for (const secret of ['alice@gatehouse.test', 'bob@acme.test', 'Ticket #4711', bob, adminId]) {
      assert.ok(!bytes.includes(Buffer.from(secret)) && !ticket.includes(secret), `the ticket shows ${secret} to whoever carries it`);
    }
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const issued = await lastEvent(gh, 'impersonation.ticket_issued');
    assert.equal(issued?.admin, adminId);
    assert.equal(issued?.user, bob);
  });

  it('the tenant redeems it for an RFC 9068 JWT naming the user and the admin', async () => {
    const res = await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.issued_token_type, T.accessToken);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.expires_in, 900);
    assert.equal(res.body.scope, 'openid profile');
    assert.equal(res.body.refresh_token, undefined, 'never a refresh token');
    jwt = res.body.access_token;
    assert.equal(decodeProtectedHeader(jwt).typ, 'at+jwt');
    const jwks = createRemoteJWKSet(new URL(`${gh.issuer}/jwks`));
    const { payload } = await jwtVerify(jwt, jwks, { issuer: gh.issuer, audience: ACME, typ: 'at+jwt' });
    assert.equal(payload.sub, bob);
    assert.equal(payload.client_id, 'acme-app');
    assert.deepEqual(payload.act, { sub: adminId });
    const imp = payload.impersonation as { sid: string; reason: string };
    assert.match(imp.sid, /^imp_/);
    assert.equal(imp.reason, 'Ticket #4711: customer cannot see invoices');
    assert.ok(payload.exp! - payload.iat! <= 900);
    assert.ok(payload.jti);
    const started = await lastEvent(gh, 'impersonation.started');
    assert.equal(started?.sid, imp.sid);
    assert.equal(started?.details?.adminEmail, 'alice@gatehouse.test', 'names carried by the ticket');
    assert.equal(started?.details?.userEmail, 'bob@acme.test');
  });

  it('userinfo answers with the user\'s claims plus act', async () => {
    const acme = await discover(gh.issuer, 'acme-app', SECRETS['acme-app']);
    const info = await oidc.fetchUserInfo(acme, jwt, bob);
    assert.equal(info.sub, bob);
    assert.equal(info.name, 'Bob Acme');
    assert.deepEqual(info.act, { sub: adminId });
  });

  it('introspection shows act and impersonation to the tenant and the console, nothing to others', async () => {
    for (const client of ['acme-app', 'support-console']) {
      const config = await discover(gh.issuer, client, SECRETS[client]);
      const intro = await oidc.tokenIntrospection(config, jwt);
      assert.equal(intro.active, true, client);
      assert.equal(intro.sub, bob);
      assert.equal(intro.client_id, 'acme-app');
      assert.deepEqual(intro.act, { sub: adminId });
      assert.match((intro.impersonation as { sid: string }).sid, /^imp_/);
    }
    const globex = await discover(gh.issuer, 'globex-app', SECRETS['globex-app']);
    assert.equal((await oidc.tokenIntrospection(globex, jwt)).active, false);
    // Answered, so nothing warns that introspection failed (UnsupportedTokenType is how the provider hands JWTs to us).
    const warnings = gh.logs.lines.filter((line) => /"level":40/.test(line) && /introspection\.error/.test(line));
    assert.deepEqual(warnings, []);
  });

  it('webhooks announce the start: Slack text and signed JSON', async () => {
    const slack = await until(() => deliveries.find((d) => d.path === '/slack'));
    assert.match(JSON.parse(slack.body).text, /impersonation started/i);
    const json = await until(() => deliveries.find((d) => d.path === '/json'));
    const signature = String(json.headers['gatehouse-signature']);
    assert.ok(verifyWebhookSignature('dev-webhook-secret', signature, json.body));
    assert.equal(JSON.parse(json.body).type, 'impersonation.started');
  });

  it('revocation by the tenant ends the session: introspection inactive at once, end audited', async () => {
    const acme = await discover(gh.issuer, 'acme-app', SECRETS['acme-app']);
    await oidc.tokenRevocation(acme, jwt);
    assert.equal((await oidc.tokenIntrospection(acme, jwt)).active, false);
    const ended = await lastEvent(gh, 'impersonation.ended');
    assert.equal(ended?.code, 'revoked');
    const userinfo = await fetch(`${gh.issuer}/me`, { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(userinfo.status, 401);
    await until(() => deliveries.filter((d) => d.path === '/slack').find((d) => /ended/i.test(d.body)));
  });

  it('the audit logs verify', async () => {
    const result = await gh.gatehouse.services.audit.verify();
    assert.equal(result.ok, true);
    assert.ok(result.count >= 4);
  });

  it('no ticket or impersonation token appears in any log line', () => {
    const logs = gh.logs.text();
    assert.ok(logs.length > 0);
    assert.ok(!logs.includes(ticket), 'ticket leaked into logs');
    assert.ok(!logs.includes(jwt), 'token leaked into logs');
    assert.ok(!logs.includes(actor), 'actor token leaked into logs');
  });
});
