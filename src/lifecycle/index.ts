/**
 * Account lifecycle (PROTOCOL §10.2): disabling an admin or a user, or taking roles from an
 * admin, ends their access at once, from the CLI and the console alike. Framework-free: it
 * takes the accounts, the store and the audit log.
 *
 * What "at once" rests on:
 * - the account record: `setDisabled` stamps `sessionsEndedAt` in the same write, so every
 *   console or /account session started before it is over on every instance;
 * - the live impersonation sessions, ended here (each audited `impersonation.ended`);
 * - the re-checks of redemption, introspection and /me (impersonation/live.ts), which refuse
 *   an outstanding ticket, and end a session this sweep missed (one started during it).
 *
 * @example
 * const result = await disableAdmin(deps, admin.id, { by: 'cli' });
 * console.log(`${result.sessionsEnded} impersonation sessions ended`);
 */
import type { Accounts, Admin, User } from '../accounts/index.js';
import type { AuditEventInput } from '../audit/events.js';
import type { RoleConfig } from '../config/schema.js';
import { type AuditSink, endLiveSessions } from '../impersonation/end.js';
import { mayImpersonate } from '../impersonation/policy.js';
import type { Store } from '../store/types.js';

export interface LifecycleDeps {
  accounts: Accounts;
  store: Store;
  audit: AuditSink;
  /** The configured roles (what the admin's role names grant). */
  roles: RoleConfig[];
}

/** Who made the change: an admin id from the console, or the CLI; plus the request's facts. */
export interface Actor {
  by: string;
  via: 'cli' | 'console';
  facts?: Partial<Pick<AuditEventInput, 'requestId' | 'ip' | 'userAgent'>>;
}

export interface LifecycleResult<T> {
  account: T;
  /** Impersonation sessions this change ended. */
  sessionsEnded: number;
}

const detailsOf = (actor: Actor, extra: Record<string, string | number> = {}) => ({ by: actor.by, via: actor.via, ...extra });

export async function disableAdmin(deps: LifecycleDeps, adminId: string, actor: Actor): Promise<LifecycleResult<Admin>> {
  const admin = await deps.accounts.admins.setDisabled(adminId, true);
  const ended = await endLiveSessions(deps.store, deps.audit, { admin: adminId }, 'admin_disabled', { endedBy: 'system', facts: actor.facts, via: actor.via });
  await deps.audit.append({
    type: 'admin.disabled',
    outcome: 'success',
    admin: adminId,
    ...actor.facts,
    details: detailsOf(actor, { email: admin.email, sessionsEnded: ended.length }),
  });
  return { account: admin, sessionsEnded: ended.length };
}

export async function enableAdmin(deps: LifecycleDeps, adminId: string, actor: Actor): Promise<Admin> {
  const admin = await deps.accounts.admins.setDisabled(adminId, false);
  await deps.audit.append({ type: 'admin.enabled', outcome: 'success', admin: adminId, ...actor.facts, details: detailsOf(actor, { email: admin.email }) });
  return admin;
}

export async function disableUser(deps: LifecycleDeps, userId: string, actor: Actor): Promise<LifecycleResult<User>> {
  const user = await deps.accounts.users.setDisabled(userId, true);
  const ended = await endLiveSessions(deps.store, deps.audit, { user: userId }, 'user_disabled', { endedBy: 'system', facts: actor.facts, via: actor.via });
  await deps.audit.append({
    type: 'user.disabled',
    outcome: 'success',
    user: userId,
    tenant: user.tenant,
    ...actor.facts,
    details: detailsOf(actor, { email: user.email, sessionsEnded: ended.length }),
  });
  return { account: user, sessionsEnded: ended.length };
}

export async function enableUser(deps: LifecycleDeps, userId: string, actor: Actor): Promise<User> {
  const user = await deps.accounts.users.setDisabled(userId, false);
  await deps.audit.append({ type: 'user.enabled', outcome: 'success', user: userId, tenant: user.tenant, ...actor.facts, details: detailsOf(actor, { email: user.email }) });
  return user;
}

/**
 * Replaces the admin's roles; the admin's live sessions that the new roles no longer allow
 * (the tenant is not covered, or a sensitive user no role now allows) end as
 * `admin_role_removed`.
 */
export async function changeAdminRoles(deps: LifecycleDeps, adminId: string, roles: string[], actor: Actor): Promise<LifecycleResult<Admin>> {
  const before = await deps.accounts.admins.findById(adminId);
  const admin = await deps.accounts.admins.setRoles(adminId, roles);
  const sensitiveUsers = new Map<string, boolean>();
  const isSensitive = async (userId: string) => {
    if (!sensitiveUsers.has(userId)) sensitiveUsers.set(userId, (await deps.accounts.users.findById(userId))?.sensitive ?? false);
    return sensitiveUsers.get(userId)!;
  };
  const ended = await endLiveSessions(deps.store, deps.audit, { admin: adminId }, 'admin_role_removed', {
    endedBy: 'system',
    facts: actor.facts,
    via: actor.via,
    which: async (s) => !mayImpersonate(admin.roles, deps.roles, s.tenant, await isSensitive(s.user)),
  });
  await deps.audit.append({
    type: 'admin.roles_changed',
    outcome: 'success',
    admin: adminId,
    ...actor.facts,
    details: detailsOf(actor, { email: admin.email, from: (before?.roles ?? []).join(' '), to: admin.roles.join(' '), sessionsEnded: ended.length }),
  });
  return { account: admin, sessionsEnded: ended.length };
}

