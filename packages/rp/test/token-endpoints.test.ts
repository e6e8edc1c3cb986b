import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { discover, GatehouseRpError, introspectToken, redeemTicket, revokeToken } from '../src/index.js';
import { CLIENT_ID, CLIENT_SECRET, type IssuerFixture, startIssuer } from './issuer-fixture.js';

let gh: IssuerFixture;
before(async () => {
  gh = await startIssuer();
});
after(() => gh.close());
beforeEach(() => {
  gh.requests.length = 0;
  gh.onToken = undefined;
  gh.onIntrospect = undefined;
});

const paths = () => gh.requests.map((r) => r.path);
const creds = () => ({ issuer: gh.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
const redeemOptions = () => ({ ...creds(), audience: gh.audience });

describe('discover', () => {
  it('reads the endpoints and caches them per issuer', async () => {
    const before = gh.hits('/.well-known/openid-configuration');
    const first = await discover(gh.issuer);
    assert.deepEqual(first, {
      issuer: gh.issuer,
      token_endpoint: `${gh.issuer}/token`,
      introspection_endpoint: `${gh.issuer}/token/introspection`,
      revocation_endpoint: `${gh.issuer}/token/revocation`,
      jwks_uri: `${gh.issuer}/jwks`,
    });
    await discover(gh.issuer);
    assert.ok(gh.hits('/.well-known/openid-configuration') - before <= 1);
  });

  it('refuses a document naming another issuer (OIDC Discovery §4.3)', async () => {
    await assert.rejects(discover(`${gh.issuer}/`), { code: 'issuer_bad_response' });
  });

  it('reports a closed port as issuer_unreachable and does not cache the failure', async () => {
    await assert.rejects(discover('http://127.0.0.1:9'), { code: 'issuer_unreachable' });
    await assert.rejects(discover('http://127.0.0.1:9'), { code: 'issuer_unreachable' });
  });
});

describe('redeemTicket', () => {
  it('exchanges a ticket for a verified impersonation token (RFC 8693, client_secret_basic)', async () => {
    const ticket = gh.addTicket({ scope: 'openid invoices:read' });
    const result = await redeemTicket(ticket, redeemOptions());
    assert.equal(result.scope, 'openid invoices:read');
    assert.ok(result.expiresIn > 590 && result.expiresIn <= 600);
    assert.equal(result.claims.sub, 'user-42');
    assert.equal(result.claims.act.sub, 'admin-7');
    assert.match(result.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    const [seen] = gh.requests;
    assert.ok(seen);
    assert.equal(seen.path, '/token');
    assert.equal(seen.contentType, 'application/x-www-form-urlencoded');
    // RFC 6749 §2.3.1: id and secret form-encoded, then base64
    const basic = Buffer.from(seen.authorization?.slice(6) ?? '', 'base64').toString();
    assert.equal(basic, 'acme+app%3A1:s%C3%ABcret%3Awith%2Fodd%2Bchars');
    assert.deepEqual(Object.fromEntries(seen.params), {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: ticket,
      subject_token_type: 'urn:gatehouse:token-type:impersonation-ticket',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
  });

  it('turns a 400 into ticket_rejected carrying error and error_description', async () => {
    const ticket = gh.addTicket();
    await redeemTicket(ticket, redeemOptions());
    await assert.rejects(redeemTicket(ticket, redeemOptions()), (err: unknown) => {
      assert.ok(err instanceof GatehouseRpError);
      assert.equal(err.code, 'ticket_rejected');
      assert.equal(err.status, 400);
      assert.equal(err.error, 'invalid_request');
      assert.equal(err.error_description, 'ticket unknown, expired, or already presented');
      return true;
    });
  });

  it('turns wrong client credentials into ticket_rejected / invalid_client', async () => {
    await assert.rejects(redeemTicket(gh.addTicket(), { ...redeemOptions(), clientSecret: 'nope' }), {
      code: 'ticket_rejected',
      status: 401,
      error: 'invalid_client',
    });
  });

  it('turns a 503 into issuer_unreachable and a network failure too', async () => {
    gh.onToken = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
    await assert.rejects(redeemTicket('t', redeemOptions()), { code: 'issuer_unreachable', error: 'temporarily_unavailable' });
    await assert.rejects(redeemTicket('t', { ...redeemOptions(), issuer: 'http://127.0.0.1:9' }), {
      code: 'issuer_unreachable',
    });
  });

  it('refuses a success body that is not a Bearer access token: issuer_bad_response', async () => {
    gh.onToken = () => ({ status: 200, body: { access_token: 'x', token_type: 'N_A', issued_token_type: 'urn:x' } });
    await assert.rejects(redeemTicket('t', redeemOptions()), { code: 'issuer_bad_response' });
  });

  it('verifies the issued token: another origin is token_wrong_audience, and that token is revoked', async () => {
    const ticket = gh.addTicket({ aud: 'https://app.globex.example' });
    await assert.rejects(redeemTicket(ticket, redeemOptions()), { code: 'token_wrong_audience' });
    assert.deepEqual(paths(), ['/token', '/token/revocation']);
  });
});

describe('introspectToken and revokeToken', () => {
  it('introspects with token_type_hint=access_token (RFC 7662)', async () => {
    const token = await gh.sign(gh.claims());
    const result = await introspectToken(token, creds());
    assert.equal(result.active, true);
    assert.equal(result.act?.sub, 'admin-7');
    const [seen] = gh.requests;
    assert.equal(seen?.path, '/token/introspection');
    assert.deepEqual(Object.fromEntries(seen?.params ?? []), { token, token_type_hint: 'access_token' });
  });

  it('revokes (RFC 7009), after which introspection says inactive', async () => {
    const token = await gh.sign(gh.claims());
    await revokeToken(token, creds());
    assert.ok(gh.revoked.includes(token));
    assert.equal(gh.requests[0]?.params.get('token_type_hint'), 'access_token');
    assert.deepEqual(await introspectToken(token, creds()), { active: false });
  });

  it('maps refusals: request_rejected for 4xx, issuer_bad_response for a non-RFC 7662 body', async () => {
    await assert.rejects(introspectToken('t', { ...creds(), clientSecret: 'nope' }), {
      code: 'request_rejected',
      error: 'invalid_client',
    });
    await assert.rejects(revokeToken('t', { ...creds(), clientSecret: 'nope' }), { code: 'request_rejected' });
    gh.onIntrospect = () => ({ status: 200, body: { active: 'yes' } });
    await assert.rejects(introspectToken('t', creds()), { code: 'issuer_bad_response' });
  });
});
