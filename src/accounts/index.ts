/**
 * Accounts: users (per tenant) and admins, two models over one store, passwords with
 * argon2id. The domain takes the store as an argument and imports no framework, so one
 * test suite runs it on Redis and on the memory store (ARCHITECTURE.md).
 */
import type { Store } from '../store/types.js';
import { type Admins, createAdmins } from './admins.js';
import type { Argon2Params } from './passwords.js';
import { createUsers, type Users } from './users.js';

export interface Accounts {
  users: Users;
  admins: Admins;
}

export interface AccountsOptions {
  /** `config.policy.argon2`. */
  argon2: Argon2Params;
}

/**
 * @example
 * const accounts = createAccounts(store, { argon2: config.policy.argon2 });
 * const admin = await accounts.admins.authenticate(email, password);
 */
export function createAccounts(store: Store, options: AccountsOptions): Accounts {
  return { users: createUsers(store, options.argon2), admins: createAdmins(store, options.argon2) };
}

export type { Admins } from './admins.js';
export { AccountError, type AccountErrorCode, accountErrorMessages } from './errors.js';
export {
  type Argon2Params,
  assertAcceptablePassword,
  hashPassword,
  passwordVerifications,
  verifyPassword,
  warmUpPasswords,
} from './passwords.js';
export { checkName as assertAcceptableName } from './records.js';
export { type SeedConfig, type SeedResult, seedAccounts } from './seed.js';
export * from './types.js';
export type { Users } from './users.js';
export { userFromRecord } from './users.js';
export { rolesOfRecord } from './admins.js';
export { issuedBeforeLastDisable } from './records.js';
