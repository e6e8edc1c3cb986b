/**
 * The accounts contract, run once on the memory store and once on a real Redis
 * (ARCHITECTURE.md: the domain is tested against both by one shared suite).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountError, type Accounts, createAccounts, seedAccounts, type SeedConfig } from '../../src/accounts/index.js';
import { keys } from '../../src/store/keys.js';
import type { Store } from '../../src/store/types.js';

/** The fastest parameters the config schema allows: tests are about behaviour, not cost. */
export const FAST_ARGON2 = { memoryCost: 8192, timeCost: 1, parallelism: 1 };

export interface Backend {
  /** A fresh store over its own connection (the seed test opens two, like two processes). */
  open(prefix: string): Promise<Store>;
}

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: unknown) => err instanceof AccountError && err.code === code);

const ID = /^[A-Za-z0-9_-]{22}$/;

/** The PHC string's parameters (`m=…,p=…,t=…`, in whatever order the library writes them). */
export function argon2Params(hash: string | undefined): Record<string, number> | null {
  const match = /^\$argon2id\$v=19\$([^$]+)\$[^$]+\$[^$]+$/.exec(hash ?? '');
  if (!match) return null;
  return Object.fromEntries(match[1]!.split(',').map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])]));
}

const FAST_PHC = { m: 8192, t: 1, p: 1 };

export function accountsSuite(name: string, backend: Backend): void {
  describe(`accounts on ${name}`, () => {
    const prefix = `acct-${Math.random().toString(36).slice(2)}`;
    let store: Store;
    let accounts: Accounts;
    before(async () => {
      store = await backend.open(prefix);
      accounts = createAccounts(store, { argon2: FAST_ARGON2 });
    });
    after(() => store.close());

    test('users: create normalises the email and returns no password hash', async () => {
      const user = await accounts.users.create({ tenant: 'acme', email: '  Bob@Acme.TEST ', name: ' Bob ', password: 'bob-password' });
      assert.match(user.id.slice(4), ID);
      assert.ok(user.id.startsWith('usr_'));
      assert.deepEqual(
        { ...user, id: undefined, createdAt: undefined },
        { id: undefined, createdAt: undefined, tenant: 'acme', email: 'bob@acme.test', name: 'Bob', sensitive: false, disabled: false, revocations: 0 },
      );
      assert.deepEqual(await accounts.users.findById(user.id), user);
      assert.deepEqual(await accounts.users.findByEmail('acme', 'BOB@acme.test'), user);
      assert.equal(await accounts.users.findByEmail('globex', 'bob@acme.test'), null);
      const stored = await store.hgetall(keys.user(user.id));
      assert.deepEqual(argon2Params(stored?.passwordHash), FAST_PHC);
    });

    test('users: an email is unique per tenant, not across tenants', async () => {
      await accounts.users.create({ tenant: 'acme', email: 'dup@acme.test', name: 'One' });
      await rejectsWith(accounts.users.create({ tenant: 'acme', email: 'DUP@acme.test', name: 'Two' }), 'email_taken');
      const other = await accounts.users.create({ tenant: 'globex', email: 'dup@acme.test', name: 'Three' });
      assert.equal(other.tenant, 'globex');
    });

    test('users: concurrent creates of one email make exactly one account', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => accounts.users.create({ tenant: 'acme', email: 'race@acme.test', name: `R${i}` })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const { items } = await accounts.users.list('acme', { query: 'race@' });
      assert.equal(items.length, 1);
    });

    test('users: invalid input is refused with a code', async () => {
      await rejectsWith(accounts.users.create({ tenant: 'acme', email: 'not-an-email', name: 'X' }), 'invalid_email');
      await rejectsWith(accounts.users.create({ tenant: 'acme', email: 'x@acme.test', name: '  ' }), 'invalid_name');
      await rejectsWith(accounts.users.create({ tenant: 'Bad:Tenant', email: 'x@acme.test', name: 'X' }), 'invalid_tenant');
      await rejectsWith(accounts.users.create({ tenant: 'acme', email: 'x@acme.test', name: 'X', password: 'short' }), 'invalid_password');
      assert.equal(await accounts.users.findByEmail('acme', 'x@acme.test'), null);
    });

    test('users: authenticate answers null for wrong password, unknown email and disabled alike', async () => {
      const user = await accounts.users.create({ tenant: 'acme', email: 'auth@acme.test', name: 'Auth', password: 'right-password' });
      assert.deepEqual(await accounts.users.authenticate('acme', 'Auth@acme.test', 'right-password'), user);
      assert.equal(await accounts.users.authenticate('acme', 'auth@acme.test', 'wrong-password'), null);
      assert.equal(await accounts.users.authenticate('acme', 'nobody@acme.test', 'right-password'), null);
      assert.equal(await accounts.users.authenticate('globex', 'auth@acme.test', 'right-password'), null);
      assert.equal((await accounts.users.setDisabled(user.id, true)).disabled, true);
      assert.equal(await accounts.users.authenticate('acme', 'auth@acme.test', 'right-password'), null);
      await accounts.users.setDisabled(user.id, false);
      await accounts.users.setPassword(user.id, 'new-password');
      assert.equal(await accounts.users.authenticate('acme', 'auth@acme.test', 'right-password'), null);
      assert.equal((await accounts.users.authenticate('acme', 'auth@acme.test', 'new-password'))?.id, user.id);
    });

    test('users: an account without a password cannot authenticate', async () => {
      const user = await accounts.users.create({ tenant: 'acme', email: 'nopw@acme.test', name: 'No PW' });
      assert.equal(await accounts.users.authenticate('acme', 'nopw@acme.test', ''), null);
      assert.equal(await accounts.users.authenticate('acme', 'nopw@acme.test', 'anything-at-all'), null);
      await rejectsWith(accounts.users.setPassword(user.id, 'short'), 'invalid_password');
      await rejectsWith(accounts.users.setPassword('usr_missing', 'long-enough'), 'not_found');
      await rejectsWith(accounts.users.setDisabled('usr_missing', true), 'not_found');
    });

    test('users: list is per tenant, newest first, with query, limit and offset', async () => {
      const made = [];
      for (const [i, name] of ['Ann Lister', 'Ben Lister', 'Cat Other'].entries()) {
        made.push(await accounts.users.create({ tenant: 'listing', email: `l${i}@list.test`, name }));
        await sleep(2); // distinct creation times, so the order is defined
      }
      await accounts.users.create({ tenant: 'elsewhere', email: 'l9@list.test', name: 'Dan Lister' });
      const all = await accounts.users.list('listing');
      assert.deepEqual(all.items.map((u) => u.id), made.map((u) => u.id).reverse());
      assert.equal(all.total, 3);
      const listers = await accounts.users.list('listing', { query: 'LISTER' });
      assert.deepEqual(listers.items.map((u) => u.name), ['Ben Lister', 'Ann Lister']);
      assert.deepEqual((await accounts.users.list('listing', { query: 'l2@' })).items.map((u) => u.name), ['Cat Other']);
      const page = await accounts.users.list('listing', { limit: 1, offset: 1 });
      assert.deepEqual([page.items.map((u) => u.name), page.total], [['Ben Lister'], 3]);
      assert.deepEqual(await accounts.users.list('nobody-here'), { items: [], total: 0 });
    });

    test('admins: a separate model with roles; ids never cross models', async () => {
      const admin = await accounts.admins.create({ email: 'Alice@GH.test', name: 'Alice', roles: ['support'], password: 'alice-password' });
      assert.ok(admin.id.startsWith('adm_'));
      assert.match(admin.id.slice(4), ID);
      assert.deepEqual(admin.roles, ['support']);
      assert.equal('passwordHash' in admin, false);
      assert.deepEqual(await accounts.admins.findByEmail('alice@gh.test'), admin);
      assert.equal(await accounts.users.findById(admin.id), null);
      const user = await accounts.users.create({ tenant: 'acme', email: 'alice@gh.test', name: 'Alice the user', password: 'alice-password' });
      assert.equal(await accounts.admins.findById(user.id), null);
      assert.notEqual((await accounts.admins.findByEmail('alice@gh.test'))?.id, user.id);
      await rejectsWith(accounts.admins.create({ email: 'alice@gh.test', name: 'Again' }), 'email_taken');
      const stored = await store.hgetall(keys.admin(admin.id));
      assert.deepEqual(argon2Params(stored?.passwordHash), FAST_PHC);
    });

    test('admins: authenticate, setRoles, setDisabled, list', async () => {
      const admin = await accounts.admins.create({ email: 'lead@gh.test', name: 'Lead', password: 'lead-password' });
      assert.deepEqual(admin.roles, []);
      assert.equal((await accounts.admins.authenticate('LEAD@gh.test', 'lead-password'))?.id, admin.id);
      assert.equal(await accounts.admins.authenticate('lead@gh.test', 'nope-nope-nope'), null);
      assert.equal(await accounts.admins.authenticate('ghost@gh.test', 'lead-password'), null);
      assert.deepEqual((await accounts.admins.setRoles(admin.id, ['support-lead', 'support', 'support'])).roles, ['support-lead', 'support']);
      assert.deepEqual((await accounts.admins.findById(admin.id))?.roles, ['support-lead', 'support']);
      await rejectsWith(accounts.admins.setRoles(admin.id, ['']), 'invalid_role');
      await accounts.admins.setDisabled(admin.id, true);
      assert.equal(await accounts.admins.authenticate('lead@gh.test', 'lead-password'), null);
      // Disabling must not have touched the roles (each update writes only its own fields).
      assert.deepEqual((await accounts.admins.findById(admin.id))?.roles, ['support-lead', 'support']);
      const listed = await accounts.admins.list({ query: 'lead' });
      assert.deepEqual(listed.items.map((a) => [a.email, a.disabled]), [['lead@gh.test', true]]);
      assert.ok((await accounts.admins.list()).total >= 2);
    });

    test('seed: idempotent, and two concurrent seeders create each account once', async () => {
      const seed: SeedConfig = {
        admins: [{ email: 'seed-admin@gh.test', name: 'Seed Admin', password: 'seed-admin-pw', roles: ['support'] }],
        users: [
          { tenant: 'seeded', email: 'u1@seed.test', name: 'U1', password: 'seed-user-pw', sensitive: false },
          { tenant: 'seeded', email: 'u2@seed.test', name: 'U2', password: 'seed-user-pw', sensitive: true },
        ],
      };
      // A second connection stands for a second process starting at the same moment.
      const otherStore = await backend.open(prefix);
      try {
        const other = createAccounts(otherStore, { argon2: FAST_ARGON2 });
        const [a, b] = await Promise.all([seedAccounts(accounts, seed), seedAccounts(other, seed)]);
        assert.equal(a.admins.length + b.admins.length, 1);
        assert.equal(a.users.length + b.users.length, 2);
      } finally {
        await otherStore.close();
      }
      assert.deepEqual(await seedAccounts(accounts, seed), { admins: [], users: [] });
      const { items } = await accounts.users.list('seeded');
      assert.deepEqual(items.map((u) => [u.email, u.sensitive]).sort(), [['u1@seed.test', false], ['u2@seed.test', true]]);
      assert.equal((await accounts.admins.list({ query: 'seed-admin' })).total, 1);
      assert.ok(await accounts.users.authenticate('seeded', 'u2@seed.test', 'seed-user-pw'));
      assert.deepEqual(await seedAccounts(accounts, undefined), { admins: [], users: [] });
    });
  });
}
