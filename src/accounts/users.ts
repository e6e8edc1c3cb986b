/**
 * Users: customer accounts, one tenant each. The email index is per tenant, so the same
 * person may hold an account in two tenants; a sorted set per tenant lists users newest
 * first.
 */
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { AccountError } from './errors.js';
import { type Argon2Params, hashPassword, verifyPassword } from './passwords.js';
import {
  checkName,
  checkTenant,
  createRecord,
  disabledFields,
  flag,
  listPage,
  lookupEmail,
  newId,
  normaliseEmail,
  readRecord,
  revocationsOf,
  sessionsEndedAtOf,
  type StoredRecord,
  waitOutDisableSecond,
} from './records.js';
import { type ListOptions, type NewUser, type Page, type User, USER_ID_PREFIX } from './types.js';

export interface Users {
  /** Throws `AccountError` (`email_taken`, `invalid_*`). */
  create(input: NewUser): Promise<User>;
  findById(id: string): Promise<User | null>;
  findByEmail(tenant: string, email: string): Promise<User | null>;
  list(tenant: string, options?: ListOptions): Promise<Page<User>>;
  /** Throws `not_found`. */
  setDisabled(id: string, disabled: boolean): Promise<User>;
  /** Counts one more revocation of what the account holds (PROTOCOL §10.2) and answers the count. Throws `not_found`. */
  countRevocation(id: string): Promise<number>;
  /** Throws `not_found`, `invalid_password`. */
  setPassword(id: string, password: string): Promise<void>;
  /** The user, or null for a wrong password, an unknown email and a disabled account alike. */
  authenticate(tenant: string, email: string, password: string): Promise<User | null>;
}

const REQUIRED = ['id', 'tenant', 'email', 'name', 'createdAt'];

function toUser(r: StoredRecord): User {
  return {
    id: r.id!,
    tenant: r.tenant!,
    email: r.email!,
    name: r.name!,
    sensitive: r.sensitive === '1',
    disabled: r.disabled === '1',
    createdAt: Number(r.createdAt),
    ...sessionsEndedAtOf(r),
    revocations: revocationsOf(r),
  };
}

/** A user from a stored record read elsewhere (e.g. in a pipeline), or null when incomplete. */
export function userFromRecord(r: StoredRecord | null): User | null {
  return r && REQUIRED.every((field) => r[field] !== undefined) && r.id?.startsWith(USER_ID_PREFIX) ? toUser(r) : null;
}

/**
 * @example
 * const users = createUsers(store, config.policy.argon2);
 * const bob = await users.create({ tenant: 'acme', email: 'bob@acme.test', name: 'Bob', password });
 */
export function createUsers(store: Store, argon2: Argon2Params): Users {
  async function record(id: string): Promise<StoredRecord | null> {
    // The prefix check keeps an admin id (or any other string) from ever finding a user.
    if (typeof id !== 'string' || !id.startsWith(USER_ID_PREFIX)) return null;
    return readRecord(store, keys.user(id), REQUIRED);
  }

  async function recordByEmail(tenant: string, email: string): Promise<StoredRecord | null> {
    const normalised = lookupEmail(email);
    if (!normalised || typeof tenant !== 'string') return null;
    const id = await store.get(keys.userByEmail(tenant, normalised));
    const found = id ? await record(id) : null;
    // The index and the record must agree; a mismatch is treated as absent.
    return found && found.tenant === tenant && found.email === normalised ? found : null;
  }

  async function findById(id: string) {
    const r = await record(id);
    return r ? toUser(r) : null;
  }

  async function existing(id: string): Promise<StoredRecord> {
    const r = await record(id);
    if (!r) throw new AccountError('not_found');
    return r;
  }

  return {
    async create(input) {
      const tenant = checkTenant(input.tenant);
      const email = normaliseEmail(input.email);
      const name = checkName(input.name);
      const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password, argon2);
      const user: User = {
        id: newId(USER_ID_PREFIX),
        tenant,
        email,
        name,
        sensitive: Boolean(input.sensitive),
        disabled: false,
        createdAt: Date.now(),
        revocations: 0,
      };
      const fields: StoredRecord = {
        id: user.id,
        tenant,
        email,
        name,
        sensitive: flag(user.sensitive),
        disabled: flag(false),
        createdAt: String(user.createdAt),
        ...(passwordHash ? { passwordHash } : {}),
      };
      await createRecord(store, keys.user(user.id), keys.userByEmail(tenant, email), user.id, fields);
      await store.zadd(keys.tenantUsers(tenant), user.createdAt, user.id);
      return user;
    },

    findById,

    async findByEmail(tenant, email) {
      const r = await recordByEmail(tenant, email);
      return r ? toUser(r) : null;
    },

    async list(tenant, options = {}) {
      const ids = await store.zrevrange(keys.tenantUsers(tenant), 0, -1);
      // A listing never crosses tenants, even if an id were filed in the wrong set.
      const read = async (id: string) => {
        const user = await findById(id);
        return user?.tenant === tenant ? user : null;
      };
      return listPage(ids, read, options);
    },

    async countRevocation(id) {
      await existing(id);
      return store.hincrby(keys.user(id), 'revocations', 1);
    },

    async setDisabled(id, disabled) {
      const r = await existing(id);
      if (!disabled) await waitOutDisableSecond(r);
      const fields = disabledFields(disabled);
      await store.hset(keys.user(id), fields);
      return toUser({ ...r, ...fields });
    },

    async setPassword(id, password) {
      await existing(id);
      const passwordHash = await hashPassword(password, argon2);
      await store.hset(keys.user(id), { passwordHash });
    },

    async authenticate(tenant, email, password) {
      const r = await recordByEmail(tenant, email);
      // Verify before looking at `disabled`, so a disabled account costs the same time.
      const ok = await verifyPassword(r?.passwordHash, password, argon2);
      if (!ok || !r || r.disabled === '1') return null;
      return toUser(r);
    },
  };
}
