import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccountError, hashPassword, passwordVerifications, verifyPassword } from '../../src/accounts/index.js';
import { argon2Params, FAST_ARGON2 } from './suite.js';

test('hashPassword makes argon2id hashes carrying the configured parameters', async () => {
  const hash = await hashPassword('a fine password', FAST_ARGON2);
  assert.ok(hash.startsWith('$argon2id$'));
  assert.deepEqual(argon2Params(hash), { m: 8192, t: 1, p: 1 });
  const other = await hashPassword('a fine password', { memoryCost: 9216, timeCost: 2, parallelism: 2 });
  assert.deepEqual(argon2Params(other), { m: 9216, t: 2, p: 2 });
  assert.notEqual(hash, await hashPassword('a fine password', FAST_ARGON2), 'a fresh salt each time');
});

test('verifyPassword: right, wrong, missing hash, malformed hash', async () => {
  const hash = await hashPassword('a fine password', FAST_ARGON2);
  assert.equal(await verifyPassword(hash, 'a fine password', FAST_ARGON2), true);
  assert.equal(await verifyPassword(hash, 'a fine passwore', FAST_ARGON2), false);
  // No hash: still spends a verify on the dummy hash, and never answers true, even for its password.
  assert.equal(await verifyPassword(null, 'gatehouse-dummy-password', FAST_ARGON2), false);
  assert.equal(await verifyPassword(undefined, '', FAST_ARGON2), false);
  assert.equal(await verifyPassword('$argon2id$garbage', 'x', FAST_ARGON2), false);
});

test('a missing account costs what a wrong password costs: one argon2 verify each', async () => {
  // Counted, not timed (the machines are shared): the dummy verify is what keeps a missing
  // account from answering faster than a wrong password.
  const hash = await hashPassword('a fine password', FAST_ARGON2);
  const before = passwordVerifications();
  assert.equal(await verifyPassword(hash, 'wrong', FAST_ARGON2), false);
  assert.equal(passwordVerifications() - before, 1);
  assert.equal(await verifyPassword(null, 'wrong', FAST_ARGON2), false);
  assert.equal(passwordVerifications() - before, 2);
  assert.equal(await verifyPassword(undefined, 'wrong', FAST_ARGON2), false);
  assert.equal(passwordVerifications() - before, 3);
});

test('the password policy refuses short and huge passwords', async () => {
  for (const bad of ['short', 'x'.repeat(1025)]) {
    await assert.rejects(hashPassword(bad, FAST_ARGON2), (e: unknown) => e instanceof AccountError && e.code === 'invalid_password');
  }
});
