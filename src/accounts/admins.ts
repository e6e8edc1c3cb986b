/**
 * Admins: support staff, a model of their own (PROTOCOL §1). One global email index and
 * one sorted set of all admins by creation time. Whether a role exists is the config's
 * business; callers (CLI, console) check role names against it before calling here.
 */
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { AccountError } from './errors.js';
import { type Argon2Params, hashPassword, verifyPassword } from './passwords.js';
import {
  checkName,
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
import { ADMIN_ID_PREFIX, type Admin, type ListOptions, type NewAdmin, type Page } from './types.js';

export interface Admins {
  /** Throws `AccountError` (`email_taken`, `invalid_*`). */
  create(input: NewAdmin): Promise<Admin>;
  findById(id: string): Promise<Admin | null>;
  findByEmail(email: string): Promise<Admin | null>;
  list(options?: ListOptions): Promise<Page<Admin>>;
  /** Throws `not_found`. */
  setDisabled(id: string, disabled: boolean): Promise<Admin>;
  /** Counts one more revocation of what the account holds (PROTOCOL §10.2) and answers the count. Throws `not_found`. */
  countRevocation(id: string): Promise<number>;
  /** Replaces the roles. Throws `not_found`, `invalid_role`. */
  /**
   * Replaces the admin's roles. With `endSessions`, the same write stamps `sessionsEndedAt`
   * (as a disable does, without disabling): everything the admin holds from before is over.
   */
  setRoles(id: string, roles: string[], options?: { endSessions?: boolean }): Promise<Admin>;
  /**
   * Stamps `sessionsEndedAt` alone (roles untouched): what the admin holds from before is
   * over. With `wait: false` the caller waits out the stamp's second itself (once for many).
   */
  endSessions(id: string, options?: { wait?: boolean }): Promise<number>;
  /** Throws `not_found`, `invalid_password`. */
  setPassword(id: string, password: string): Promise<void>;
  /** The admin, or null for a wrong password, an unknown email and a disabled account alike. */
  authenticate(email: string, password: string): Promise<Admin | null>;
}

const REQUIRED = ['id', 'email', 'name', 'roles', 'createdAt'];

/** The roles field of a stored admin; a damaged one grants nothing rather than failing the lookup. */
export function rolesOfRecord(r: { roles?: string }): string[] {
  let roles: unknown;
  try {
    roles = JSON.parse(r.roles ?? '[]');
  } catch {
    roles = [];
  }
  return Array.isArray(roles) ? roles.filter((x): x is string => typeof x === 'string') : [];
}

function toAdmin(r: StoredRecord): Admin {
  return {
    id: r.id!,
    email: r.email!,
    name: r.name!,
    roles: rolesOfRecord(r),
    disabled: r.disabled === '1',
    createdAt: Number(r.createdAt),
    ...sessionsEndedAtOf(r),
    revocations: revocationsOf(r),
  };
}

function checkRoles(roles: string[] | undefined): string[] {
  if (roles === undefined) return [];
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || r.trim() === '')) {
    throw new AccountError('invalid_role');
  }
  return [...new Set(roles.map((r) => r.trim()))];
}

/**
 * @example
 * const admins = createAdmins(store, config.policy.argon2);
 * const alice = await admins.authenticate('alice@gatehouse.test', password);
 */
export function createAdmins(store: Store, argon2: Argon2Params): Admins {
  async function record(id: string): Promise<StoredRecord | null> {
    // The prefix check keeps a user id from ever finding an admin.
    if (typeof id !== 'string' || !id.startsWith(ADMIN_ID_PREFIX)) return null;
    return readRecord(store, keys.admin(id), REQUIRED);
  }

  async function recordByEmail(email: string): Promise<StoredRecord | null> {
    const normalised = lookupEmail(email);
    if (!normalised) return null;
    const id = await store.get(keys.adminByEmail(normalised));
    const found = id ? await record(id) : null;
    return found && found.email === normalised ? found : null;
  }

  async function findById(id: string) {
    const r = await record(id);
    return r ? toAdmin(r) : null;
  }

  async function existing(id: string): Promise<StoredRecord> {
    const r = await record(id);
    if (!r) throw new AccountError('not_found');
    return r;
  }

  return {
    async create(input) {
      const email = normaliseEmail(input.email);
      const name = checkName(input.name);
      const roles = checkRoles(input.roles);
      const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password, argon2);
      const admin: Admin = { id: newId(ADMIN_ID_PREFIX), email, name, roles, disabled: false, createdAt: Date.now(), revocations: 0 };
      const fields: StoredRecord = {
        id: admin.id,
        email,
        name,
        roles: JSON.stringify(roles),
        disabled: flag(false),
        createdAt: String(admin.createdAt),
        ...(passwordHash ? { passwordHash } : {}),
      };
      await createRecord(store, keys.admin(admin.id), keys.adminByEmail(email), admin.id, fields);
      await store.zadd(keys.admins(), admin.createdAt, admin.id);
      return admin;
    },

    findById,

    async findByEmail(email) {
      const r = await recordByEmail(email);
      return r ? toAdmin(r) : null;
    },

    async list(options = {}) {
      return listPage(await store.zrevrange(keys.admins(), 0, -1), findById, options);
    },

    async countRevocation(id) {
      await existing(id);
      return store.hincrby(keys.admin(id), 'revocations', 1);
    },

    async setDisabled(id, disabled) {
      const r = await existing(id);
      if (!disabled) await waitOutDisableSecond(r);
      const fields = disabledFields(disabled);
      await store.hset(keys.admin(id), fields);
      return toAdmin({ ...r, ...fields });
    },

    async setRoles(id, roles, options = {}) {
      const checked = checkRoles(roles);
      const r = await existing(id);
      const fields: StoredRecord = { roles: JSON.stringify(checked), ...(options.endSessions ? { sessionsEndedAt: String(Date.now()) } : {}) };
      await store.hset(keys.admin(id), fields);
      // The admin stays enabled and may sign in again at once: not within the stamp's second.
      if (options.endSessions) await waitOutDisableSecond(fields);
      return toAdmin({ ...r, ...fields });
    },

    async endSessions(id, options = {}) {
      await existing(id);
      const at = Date.now();
      await store.hset(keys.admin(id), { sessionsEndedAt: String(at) });
      if (options.wait !== false) await waitOutDisableSecond({ sessionsEndedAt: String(at) });
      return at;
    },

    async setPassword(id, password) {
      await existing(id);
      const passwordHash = await hashPassword(password, argon2);
      await store.hset(keys.admin(id), { passwordHash });
    },

    async authenticate(email, password) {
      const r = await recordByEmail(email);
      // Verify before looking at `disabled`, so a disabled account costs the same time.
      const ok = await verifyPassword(r?.passwordHash, password, argon2);
      if (!ok || !r || r.disabled === '1') return null;
      return toAdmin(r);
    },
  };
}
