import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { GatehouseRpError, type RpErrorCode, verifyImpersonationToken } from '../src/index.js';
import { CLIENT_ID, type IssuerFixture, startIssuer } from './issuer-fixture.js';

let gh: IssuerFixture;
before(async () => {
  gh = await startIssuer();
});
after(() => gh.close());

const verify = (token: string, options: { audience?: string; clockToleranceSeconds?: number } = {}) =>
  verifyImpersonationToken(token, { issuer: gh.issuer, audience: gh.audience, ...options });

async function rejects(token: string | Promise<string>, code: RpErrorCode, options = {}): Promise<void> {
  await assert.rejects(verify(await token, options), (err: unknown) => {
    assert.ok(err instanceof GatehouseRpError, `expected GatehouseRpError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('verifyImpersonationToken', () => {
  it('verifies a valid impersonation token and returns its claims', async () => {
    const claims = gh.claims();
    const result = await verify(await gh.sign(claims));
    assert.deepEqual(result, {
      sub: 'user-42',
      aud: gh.audience,
      clientId: CLIENT_ID,
      scope: 'openid profile',
      iat: claims.iat,
      exp: claims.exp,
      jti: claims.jti,
      act: { sub: 'admin-7' },
      impersonation: claims.impersonation,
    });
  });

  it('accepts typ application/at+jwt, RS256, and aud as an array containing the origin', async () => {
    const token = await gh.sign(
      gh.claims({ aud: ['http://other.localhost', gh.audience] }),
      { typ: 'application/at+jwt', alg: 'RS256', kid: 'rs-1' },
      gh.rsKey,
    );
    const claims = await verify(token);
    assert.deepEqual(claims.aud, ['http://other.localhost', gh.audience]);
  });

  it('uses a caller-supplied key set instead of discovery', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'pinned', alg: 'ES256' }] });
    const token = await gh.sign(gh.claims(), { kid: 'pinned' }, privateKey);
    const claims = await verifyImpersonationToken(token, { issuer: gh.issuer, audience: gh.audience, jwks });
    assert.equal(claims.sub, 'user-42');
  });

  it('rejects a token for another audience: token_wrong_audience', () =>
    rejects(gh.sign(gh.claims({ aud: 'https://globex.example' })), 'token_wrong_audience'));

  it('rejects an expired token: token_expired', () =>
    rejects(gh.sign(gh.claims({ iat: now() - 120, exp: now() - 60 })), 'token_expired'));

  it('honours clockToleranceSeconds for exp', async () => {
    const token = await gh.sign(gh.claims({ exp: now() - 3 }));
    assert.equal((await verify(token)).sub, 'user-42'); // default tolerance 5 s
    await rejects(token, 'token_expired', { clockToleranceSeconds: 0 });
  });

  it('rejects a token issued in the future: token_not_yet_valid', () =>
    rejects(gh.sign(gh.claims({ iat: now() + 120 })), 'token_not_yet_valid'));

  it('rejects a token whose typ is not at+jwt (e.g. an ID token): token_wrong_type', async () => {
    await rejects(gh.sign(gh.claims(), { typ: 'JWT' }), 'token_wrong_type');
    await rejects(gh.sign(gh.claims(), { typ: undefined }), 'token_wrong_type');
  });

  it('rejects a token from another issuer: token_wrong_issuer', () =>
    rejects(gh.sign(gh.claims({ iss: 'https://evil.example' })), 'token_wrong_issuer'));

  it('rejects a token whose kid is not in the JWKS: token_unknown_key', () =>
    rejects(gh.sign(gh.claims(), { kid: 'rotated-away' }), 'token_unknown_key'));

  it('rejects a token without act or impersonation.sid: token_missing_act', async () => {
    await rejects(gh.sign(gh.claims({ act: undefined })), 'token_missing_act');
    await rejects(gh.sign(gh.claims({ act: { name: 'no sub' } })), 'token_missing_act');
    await rejects(gh.sign(gh.claims({ impersonation: { reason: 'no sid' } })), 'token_missing_act');
  });

  it('rejects a token without sub, client_id or jti: token_malformed', async () => {
    for (const claim of ['sub', 'client_id', 'jti', 'iat', 'exp']) {
      await rejects(gh.sign(gh.claims({ [claim]: undefined })), 'token_malformed');
    }
  });

  it('rejects a token signed by another key under a known kid: token_bad_signature', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await rejects(gh.sign(gh.claims(), {}, privateKey), 'token_bad_signature');
  });

  it('rejects a tampered payload: token_bad_signature', async () => {
    const [header, , signature] = (await gh.sign(gh.claims())).split('.');
    await rejects(`${header}.${b64(gh.claims({ sub: 'someone-else' }))}.${signature}`, 'token_bad_signature');
  });

  it('rejects alg none and HMAC: token_wrong_alg', async () => {
    await rejects(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(gh.claims())}.`, 'token_wrong_alg');
    const hmac = await gh.sign(gh.claims(), { alg: 'HS256' }, new Uint8Array(32) as never);
    await rejects(hmac, 'token_wrong_alg');
  });

  it('rejects what is not a JWT: token_malformed', async () => {
    for (const token of ['', 'abc', 'a.b.c', `${b64({ alg: 'ES256' })}.!!.x`]) {
      await rejects(token, 'token_malformed');
    }
  });

  it('reports an unreachable issuer as issuer_unreachable, but a malformed token first', async () => {
    const down = { issuer: 'http://127.0.0.1:9', audience: gh.audience };
    await assert.rejects(verifyImpersonationToken('abc', down), { code: 'token_malformed' });
    await assert.rejects(verifyImpersonationToken(await gh.sign(gh.claims()), down), { code: 'issuer_unreachable' });
  });

  it('caches the JWKS: many verifications, one fetch', async () => {
    const before = gh.hits('/jwks');
    for (let i = 0; i < 5; i++) await verify(await gh.sign(gh.claims()));
    assert.equal(gh.hits('/jwks'), before);
  });
});
