/**
 * Whether an admin and a user may still act, read together with whatever else a hot path
 * reads (a ticket's accounts at redemption; a session and its accounts at introspection and
 * /me) in one store round trip (`Store.hashReads`), so the re-check PROTOCOL §10.2 asks for
 * costs no extra latency. The record layout stays this module's business.
 */
import { keys } from '../store/keys.js';
import type { HashRead } from '../store/types.js';
import { rolesOfRecord } from './admins.js';
import type { StoredRecord } from './records.js';
import { userFromRecord } from './users.js';
import type { User } from './types.js';

/** The admin fields a check needs (never the password hash). */
export const adminStateRead = (adminId: string): HashRead => ({ key: keys.admin(adminId), fields: ['id', 'disabled', 'roles'] });

/** The whole user record: /me answers with its claims. */
export const userRead = (userId: string): HashRead => ({ key: keys.user(userId) });

/** The admin's roles when the admin exists and is enabled; null otherwise. */
export function activeAdminRoles(fields: StoredRecord | null | undefined): string[] | null {
  if (!fields?.id || fields.disabled === '1') return null;
  return rolesOfRecord(fields);
}

/** The user when it exists and is enabled; null otherwise. */
export function activeUser(fields: StoredRecord | null | undefined): User | null {
  const user = userFromRecord(fields ?? null);
  return user && !user.disabled ? user : null;
}
