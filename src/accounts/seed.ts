/**
 * Demo accounts from the config's `seed` (dev and tests only; production refuses a seed,
 * PROTOCOL §9). Safe to run at every start and from several processes at once.
 */
import type { GatehouseFileConfig } from '../config/schema.js';
import { AccountError } from './errors.js';
import type { Accounts } from './index.js';

export type SeedConfig = NonNullable<GatehouseFileConfig['seed']>;

export interface SeedResult {
  /** Emails of the accounts this call created (existing ones are left as they are). */
  admins: string[];
  users: { tenant: string; email: string }[];
}

/** Another process won the email claim first: the account exists, which is all we want. */
async function unlessTaken(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (err instanceof AccountError && err.code === 'email_taken') return false;
    throw err;
  }
}

/**
 * Creates the seed's admins and users that are missing by email. Idempotent; concurrent
 * seeders cannot duplicate an account because `create` claims the email with SET NX.
 * @example
 * if (config.seed) await seedAccounts(accounts, config.seed);
 */
export async function seedAccounts(accounts: Accounts, seed: SeedConfig | undefined): Promise<SeedResult> {
  const result: SeedResult = { admins: [], users: [] };
  if (!seed) return result;
  for (const a of seed.admins) {
    // The lookup spares an argon2 hash per existing account at every start.
    if (await accounts.admins.findByEmail(a.email)) continue;
    if (await unlessTaken(() => accounts.admins.create(a))) result.admins.push(a.email.trim().toLowerCase());
  }
  for (const u of seed.users) {
    if (await accounts.users.findByEmail(u.tenant, u.email)) continue;
    if (await unlessTaken(() => accounts.users.create(u))) {
      result.users.push({ tenant: u.tenant, email: u.email.trim().toLowerCase() });
    }
  }
  return result;
}
