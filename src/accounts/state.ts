/**
 * Whether an admin and a user may still act for something issued at a given time, read
 * together with whatever else a hot path reads (a ticket's accounts at redemption; a session
 * and its accounts at introspection and /me) in one store round trip (`Store.hashReads`), so
 * the re-check PROTOCOL §10.2 asks for costs no extra latency: an account that is disabled,
 * or was disabled at any time since the thing was issued (`issuedBeforeLastDisable`), may
 * not. The record layout stays this module's business.
 */
import { keys } from '../store/keys.js';
import type { HashRead } from '../store/types.js';
import { rolesOfRecord } from './admins.js';
import { issuedBeforeLastDisable, sessionsEndedAtOf, type StoredRecord } from './records.js';
import { userFromRecord } from './users.js';
import type { User } from './types.js';

/** The admin fields a check needs (never the password hash). */
export const adminStateRead = (adminId: string): HashRead => ({ key: keys.admin(adminId), fields: ['id', 'disabled', 'roles', 'sessionsEndedAt'] });

/** The whole user record: /me answers with its claims. */
export const userRead = (userId: string): HashRead => ({ key: keys.user(userId) });

/**
 * The admin's roles when the admin exists, is enabled and was not disabled since `issuedAt`
 * (ms: when the ticket or session being checked was issued); null otherwise.
 */
export function activeAdminRoles(fields: StoredRecord | null | undefined, issuedAt: number): string[] | null {
  if (!fields?.id || fields.disabled === '1' || issuedBeforeLastDisable(sessionsEndedAtOf(fields), issuedAt)) return null;
  return rolesOfRecord(fields);
}

/** The user when it exists, is enabled and was not disabled since `issuedAt` (ms); null otherwise. */
export function activeUser(fields: StoredRecord | null | undefined, issuedAt: number): User | null {
  const user = userFromRecord(fields ?? null);
  return user && !user.disabled && !issuedBeforeLastDisable(user, issuedAt) ? user : null;
}
