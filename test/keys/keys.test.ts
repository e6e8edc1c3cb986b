import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { calculateJwkThumbprint, importJWK, type JWK, SignJWT } from 'jose';
import { createTokenVerifier, generateJwks, KeysError, loadSigningKeys, validatePrivateJwks } from '../../src/keys/index.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
const rejectsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof KeysError, String(err));
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
/** No error may quote private key material. */
const assertNoSecrets = (message: string, keys: JWK[]) => {
  for (const k of keys) for (const p of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) if (k[p]) assert.ok(!message.includes(k[p]!));
};

describe('generateJwks', () => {
  test('one ES256 (P-256), one RS256 (2048) and one Ed25519 (audit) private key, kid = RFC 7638 thumbprint', async () => {
    const { keys } = await generateJwks();
    assert.deepEqual(keys.map((k) => [k.alg, k.kty, k.use]), [['ES256', 'EC', 'sig'], ['RS256', 'RSA', 'sig'], ['Ed25519', 'OKP', 'sig']]);
    assert.equal(keys[0]!.crv, 'P-256');
    assert.equal(keys[2]!.crv, 'Ed25519');
    assert.equal(Buffer.from(keys[1]!.n!, 'base64url').length * 8, 2048);
    for (const k of keys) {
      assert.ok(k.d, 'private');
      assert.equal(k.kid, await calculateJwkThumbprint(k, 'sha256'));
    }
    assert.ok((await generateJwks({ kidPrefix: 'dev-' })).keys.every((k) => k.kid?.startsWith('dev-')));
  });
});

describe('loadSigningKeys', () => {
  test('takes the JWKS itself or a path to it, and keeps the order (first of each alg signs)', async () => {
    const a = await generateJwks();
    const b = await generateJwks();
    const rotated = { keys: [b.keys[0], a.keys[0], a.keys[1], b.keys[1]] };
    const inline = await loadSigningKeys({ keysSource: ` ${JSON.stringify(rotated)}\n`, production: true });
    assert.equal(inline.dev, false);
    assert.deepEqual(inline.keys.map((k) => k.kid), rotated.keys.map((k) => k!.kid));
    const file = join(tempDir(), 'jwks.json');
    writeFileSync(file, JSON.stringify(rotated));
    assert.deepEqual((await loadSigningKeys({ keysSource: file, production: true })).keys, inline.keys);
  });

  test('fills in a missing kid, alg and use', async () => {
    const { keys } = await generateJwks();
    const bare = keys.map(({ kid: _kid, alg: _alg, use: _use, ...rest }) => rest);
    const loaded = await loadSigningKeys({ keysSource: JSON.stringify({ keys: bare }), production: false });
    const all = [...loaded.keys, loaded.auditKey!];
    assert.deepEqual(all.map((k) => [k.kid, k.alg, k.use]), keys.map((k) => [k.kid, k.alg, 'sig']));
  });

  test('refuses a set without one of the algs', async () => {
    const { keys } = await generateJwks();
    const onlyEs = JSON.stringify({ keys: [keys[0]] });
    await rejectsWith(loadSigningKeys({ keysSource: onlyEs, production: false }), 'keys_missing_alg', /no RS256 private key/);
    const onlyRs = JSON.stringify({ keys: [keys[1]] });
    await rejectsWith(loadSigningKeys({ keysSource: onlyRs, production: false }), 'keys_missing_alg', /no ES256 private key/);
  });

  test('refuses garbage without quoting it', async () => {
    const { keys } = await generateJwks();
    const broken = JSON.stringify({ keys }).slice(0, -5);
    await assert.rejects(loadSigningKeys({ keysSource: broken, production: false }), (err: unknown) => {
      assert.ok(err instanceof KeysError && err.code === 'keys_invalid');
      assert.equal(err.message, 'GATEHOUSE_KEYS: not valid JSON');
      return true;
    });
    await rejectsWith(loadSigningKeys({ keysSource: '{"keys": []}', production: false }), 'keys_invalid', /not a JWKS/);
    await rejectsWith(loadSigningKeys({ keysSource: '{"nope": 1}', production: false }), 'keys_invalid', /not a JWKS/);
    await rejectsWith(loadSigningKeys({ keysSource: '/nonexistent/jwks.json', production: false }), 'keys_unreadable', /ENOENT/);
  });

  test('refuses public-only, mismatched, weak and unsupported keys, naming only the index and kid', async () => {
    const { keys } = await generateJwks();
    const [es, rs] = keys as [JWK, JWK];
    const other = (await generateJwks()).keys[0]!;
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    const cases: [unknown[], RegExp][] = [
      [[{ ...es, d: undefined }, rs], /keys\[0\].*not a private key/],
      [[es, { ...rs, d: undefined }], /keys\[1\].*not a private key/],
      [[{ ...es, d: other.d }, rs], /keys\[0\].*not a usable ES256 private key/],
      [[es, { ...rsa1024, alg: 'RS256', kid: 'weak' }], /keys\[1\] \(kid "weak"\).*at least 2048 bits/],
      [[es, rs, { kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }], /keys\[2\].*unsupported alg "HS256"/],
      [[es, { ...rs, use: 'enc' }], /"use" must be "sig"/],
      [[es, rs, { ...es }], /duplicate kid/],
    ];
    for (const [list, pattern] of cases) {
      const source = JSON.stringify({ keys: list });
      await assert.rejects(loadSigningKeys({ keysSource: source, production: false }), (err: unknown) => {
        assert.ok(err instanceof KeysError && err.code === 'keys_invalid', String(err));
        assert.match(err.message, pattern);
        assertNoSecrets(err.message, [es, rs, other]);
        return true;
      });
    }
  });

  test('dev keys: created once with dev- kids in a 0600 file, then reused', async () => {
    const devKeysPath = join(tempDir(), 'nested', 'dev-keys.json');
    const first = await loadSigningKeys({ keysSource: null, production: false, devKeysPath });
    assert.equal(first.dev, true);
    assert.ok(first.keys.every((k) => k.kid?.startsWith('dev-')));
    assert.equal(statSync(devKeysPath).mode & 0o777, 0o600);
    const again = await loadSigningKeys({ keysSource: null, production: false, devKeysPath });
    assert.deepEqual(again.keys, first.keys);
    assert.deepEqual(JSON.parse(readFileSync(devKeysPath, 'utf8')).keys.map((k: JWK) => k.kid), [...first.keys, first.auditKey!].map((k) => k.kid));
  });

  test('dev keys: concurrent first starts agree on one key set', async () => {
    const devKeysPath = join(tempDir(), 'dev-keys.json');
    const loads = await Promise.all(Array.from({ length: 4 }, () => loadSigningKeys({ keysSource: null, production: false, devKeysPath })));
    for (const l of loads) assert.deepEqual(l.keys, loads[0]!.keys);
  });

  test('production refuses dev keys and a missing GATEHOUSE_KEYS', async () => {
    const devKeysPath = join(tempDir(), 'dev-keys.json');
    const dev = await loadSigningKeys({ keysSource: null, production: false, devKeysPath });
    await rejectsWith(loadSigningKeys({ keysSource: devKeysPath, production: true }), 'dev_keys_in_production', /development key/);
    await rejectsWith(loadSigningKeys({ keysSource: JSON.stringify({ keys: dev.keys }), production: true }), 'dev_keys_in_production');
    await rejectsWith(loadSigningKeys({ keysSource: null, production: true, devKeysPath }), 'dev_keys_in_production', /GATEHOUSE_KEYS is not set/);
    // Outside production a dev-kid set given explicitly is fine (e.g. shared by dev instances).
    assert.equal((await loadSigningKeys({ keysSource: devKeysPath, production: false })).keys.length, 2);
  });

  test('a damaged dev keys file is reported, not silently replaced', async () => {
    const devKeysPath = join(tempDir(), 'dev-keys.json');
    writeFileSync(devKeysPath, '{ nope');
    await rejectsWith(loadSigningKeys({ keysSource: null, production: false, devKeysPath }), 'keys_invalid', /delete it/);
  });

  test('validatePrivateJwks accepts what generateJwks makes', async () => {
    const jwks = await generateJwks();
    assert.equal((await validatePrivateJwks(jwks, 'test')).length, 3);
  });

  test('the Ed25519 key signs audit checkpoints and is kept apart from the token keys', async () => {
    const jwks = await generateJwks();
    const loaded = await loadSigningKeys({ keysSource: JSON.stringify(jwks), production: true });
    assert.deepEqual(loaded.keys.map((k) => k.alg), ['ES256', 'RS256'], 'oidc-provider never sees it');
    assert.equal(loaded.auditKey?.kid, jwks.keys[2]!.kid);
    // A set without one still loads (a verifying CLI needs no private key); the server refuses it.
    const without = await loadSigningKeys({ keysSource: JSON.stringify({ keys: jwks.keys.slice(0, 2) }), production: true });
    assert.equal(without.auditKey, null);
    // `EdDSA` (RFC 8037) reads as Ed25519; a mismatched or public-only one is refused.
    const eddsa = await loadSigningKeys({ keysSource: JSON.stringify({ keys: [...jwks.keys.slice(0, 2), { ...jwks.keys[2], alg: 'EdDSA' }] }), production: false });
    assert.equal(eddsa.auditKey?.alg, 'Ed25519');
    const other = (await generateJwks()).keys[2]!;
    for (const bad of [{ ...jwks.keys[2], d: other.d }, { ...jwks.keys[2], d: undefined }]) {
      await rejectsWith(loadSigningKeys({ keysSource: JSON.stringify({ keys: [...jwks.keys.slice(0, 2), bad] }), production: false }), 'keys_invalid', /keys\[2\]/);
    }
  });

  test('dev keys: a dev keys file without an audit key gets one, added in place', async () => {
    const devKeysPath = join(tempDir(), 'dev-keys.json');
    const old = await generateJwks({ kidPrefix: 'dev-' });
    writeFileSync(devKeysPath, JSON.stringify({ keys: old.keys.slice(0, 2) }), { mode: 0o600 });
    const loaded = await loadSigningKeys({ keysSource: null, production: false, devKeysPath });
    assert.deepEqual(loaded.keys.map((k) => k.kid), old.keys.slice(0, 2).map((k) => k.kid));
    assert.ok(loaded.auditKey?.kid?.startsWith('dev-'));
    const again = await loadSigningKeys({ keysSource: null, production: false, devKeysPath });
    assert.equal(again.auditKey?.kid, loaded.auditKey?.kid);
    await rejectsWith(loadSigningKeys({ keysSource: devKeysPath, production: true }), 'dev_keys_in_production');
  });
});

describe('createTokenVerifier', () => {
  const issuer = 'https://gatehouse.example';
  async function setup(cacheSize?: number) {
    const { keys } = await generateJwks();
    const es = keys.find((k) => k.alg === 'ES256')!;
    const key = await importJWK(es, 'ES256');
    const sign = (claims: Record<string, unknown>, exp: number) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: es.kid! }).setIssuer(issuer).setIssuedAt().setExpirationTime(exp).sign(key);
    return { sign, verifier: createTokenVerifier({ issuer, keys, ...(cacheSize !== undefined ? { cacheSize } : {}) }) };
  }
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

  test('a remembered token answers its own claims; a token altered after it verified is still refused', async () => {
    const { sign, verifier } = await setup();
    const token = await sign({ sub: 'usr_a', act: { sub: 'adm_b' } }, inAnHour());
    assert.equal((await verifier.verify(token)).sub, 'usr_a');
    assert.equal((await verifier.verify(token)).sub, 'usr_a');
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'usr_z' })).toString('base64url');
    await assert.rejects(verifier.verify(`${h}.${forged}.${s}`));
    const other = await sign({ sub: 'usr_c' }, inAnHour());
    assert.equal((await verifier.verify(other)).sub, 'usr_c');
  });

  test('an expired token is refused, and the cache stays within its size', async () => {
    const { sign, verifier } = await setup(2);
    await assert.rejects(verifier.verify(await sign({ sub: 'usr_old' }, Math.floor(Date.now() / 1000) - 10)));
    const tokens = await Promise.all(['usr_1', 'usr_2', 'usr_3'].map((sub) => sign({ sub }, inAnHour())));
    for (const t of tokens) await verifier.verify(t);
    for (const [i, t] of tokens.entries()) assert.equal((await verifier.verify(t)).sub, `usr_${i + 1}`);
  });
});
