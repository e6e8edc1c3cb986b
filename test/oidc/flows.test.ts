/**
 * The standard flows against a running Gatehouse on a real redis-server, with openid-client
 * as an outside app would use it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { discover, login, LoginRefused, oidc, authorize } from '../helpers/oidc-flow.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';
import { tenantOrigin } from '../helpers/ports.js';

const ACME = tenantOrigin('acme');
const ACME_CB = `${ACME}/callback`;

describe('standard OIDC flows (real Redis, openid-client)', () => {
  let redis: TestRedis;
  let gh: TestGatehouse;
  let acme: oidc.Configuration;

  before(async () => {
    redis = await startTestRedis();
    gh = await startGatehouse({ redisEnv: redis.env });
    acme = await discover(gh.issuer, 'acme-app', 'dev-acme-secret');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('discovery lists the grants, PKCE S256, acr values, and JWKS has ES256 and RS256 keys', async () => {
    const meta = acme.serverMetadata();
    for (const g of ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange']) {
      assert.ok(meta.grant_types_supported?.includes(g), g);
    }
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(meta.acr_values_supported, ['pwd', 'phr']);
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: { alg: string; d?: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
    assert.ok(jwks.keys.every((k) => k.d === undefined), 'no private parts published');
  });

  it('code + PKCE through the login form yields ID token, access token and userinfo', async () => {
    const { tokens } = await login(acme, { redirectUri: ACME_CB, email: 'bob@acme.test', password: 'bob-demo-pass' });
    const claims = tokens.claims()!;
    assert.equal(claims.email, 'bob@acme.test');
    assert.match(String(claims.sub), /^usr_/);
    const info = await oidc.fetchUserInfo(acme, tokens.access_token, claims.sub);
    assert.equal(info.name, 'Bob Acme');
    assert.equal(info.tenant, 'acme');
  });

  it('refuses a wrong password with a generic message, and a user of another tenant', async () => {
    await assert.rejects(
      login(acme, { redirectUri: ACME_CB, email: 'bob@acme.test', password: 'wrong-password' }),
      (err: unknown) => err instanceof LoginRefused && err.status === 401 && err.html.includes('Email or password is incorrect.'),
    );
    await assert.rejects(
      login(acme, { redirectUri: ACME_CB, email: 'dave@globex.test', password: 'dave-demo-pass' }),
      (err: unknown) => err instanceof LoginRefused && err.html.includes('Email or password is incorrect.'),
    );
  });

  it('rotates refresh tokens; presenting an old one fails and revokes the grant', async () => {
    const { tokens } = await login(acme, {
      redirectUri: ACME_CB,
      email: 'bob@acme.test',
      password: 'bob-demo-pass',
      scope: 'openid email offline_access',
      extra: { prompt: 'consent' },
    });
    const rt1 = tokens.refresh_token!;
    assert.ok(rt1, 'a refresh token was issued');
    const second = await oidc.refreshTokenGrant(acme, rt1);
    const rt2 = second.refresh_token!;
    assert.notEqual(rt2, rt1);
    await assert.rejects(oidc.refreshTokenGrant(acme, rt1), (e: any) => e.error === 'invalid_grant');
    // Replay detection revoked the whole grant: the rotated token is dead too.
    await assert.rejects(oidc.refreshTokenGrant(acme, rt2), (e: any) => e.error === 'invalid_grant');
    const intro = await oidc.tokenIntrospection(acme, second.access_token);
    assert.equal(intro.active, false);
  });

  it('client credentials, and a JWT access token (RFC 9068) for a tenant resource', async () => {
    const plain = await oidc.clientCredentialsGrant(acme, {});
    assert.ok(plain.access_token);
    const jwt = await oidc.clientCredentialsGrant(acme, { resource: ACME });
    assert.equal(decodeProtectedHeader(jwt.access_token).typ, 'at+jwt');
    const jwks = createRemoteJWKSet(new URL(acme.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(jwt.access_token, jwks, {
      issuer: gh.issuer,
      audience: ACME,
      typ: 'at+jwt',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.client_id, 'acme-app');
    await assert.rejects(oidc.clientCredentialsGrant(acme, { resource: tenantOrigin('globex') }), (e: any) => e.error === 'invalid_target');
  });

  it('code flow with a resource indicator gives a JWT with the user as sub and acr/amr/auth_time', async () => {
    const { tokens } = await login(acme, {
      redirectUri: ACME_CB,
      email: 'bob@acme.test',
      password: 'bob-demo-pass',
      extra: { resource: ACME },
    });
    const jwks = createRemoteJWKSet(new URL(acme.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: gh.issuer, audience: ACME, typ: 'at+jwt' });
    assert.equal(payload.sub, tokens.claims()!.sub);
    assert.equal(payload.acr, 'pwd');
    assert.deepEqual(payload.amr, ['pwd']);
    assert.equal(typeof payload.auth_time, 'number');
  });

  it('introspection and revocation of an opaque access token', async () => {
    const { tokens } = await login(acme, { redirectUri: ACME_CB, email: 'bob@acme.test', password: 'bob-demo-pass' });
    const before = await oidc.tokenIntrospection(acme, tokens.access_token);
    assert.equal(before.active, true);
    assert.equal(before.client_id, 'acme-app');
    assert.equal(before.acr, 'pwd');
    await oidc.tokenRevocation(acme, tokens.access_token);
    const afterRevoke = await oidc.tokenIntrospection(acme, tokens.access_token);
    assert.equal(afterRevoke.active, false);
  });

  it('50 concurrent redemptions of one authorization code: exactly one succeeds, every time', async () => {
    for (let round = 0; round < 3; round++) {
      const { callbackUrl, codeVerifier } = await authorize(acme, {
        redirectUri: ACME_CB,
        email: 'bob@acme.test',
        password: 'bob-demo-pass',
      });
      const code = callbackUrl.searchParams.get('code')!;
      const redeem = () =>
        fetch(acme.serverMetadata().token_endpoint!, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from('acme-app:dev-acme-secret').toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: ACME_CB, code_verifier: codeVerifier }),
        });
      const results = await Promise.all(Array.from({ length: 50 }, redeem));
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, `round ${round}: ${ok.length} redemptions succeeded`);
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 400);
        assert.equal(((await r.json()) as { error: string }).error, 'invalid_grant');
      }
      // The winner's tokens die with the grant the losers revoked (RFC 6749 §4.1.2).
      const winner = (await ok[0]!.json()) as { access_token: string };
      const intro = await oidc.tokenIntrospection(acme, winner.access_token);
      assert.equal(intro.active, false);
    }
  });
});
