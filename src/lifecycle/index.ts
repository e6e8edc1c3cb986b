/**
 * Account lifecycle (PROTOCOL §10.2): disabling an admin or a user, or taking roles from an
 * admin, ends their access at once, from the CLI and the console alike. Framework-free: it
 * takes the accounts, the store and the audit log.
 *
 * What "at once" and "for good" rest on:
 * - the account record: `setDisabled` stamps `sessionsEndedAt` (the most recent disable) in
 *   the same write. Everything issued at or before it is dead for good, enabled again or not
 *   (`issuedBeforeLastDisable`), checked where it is used, in the round trips those paths
 *   already make: a console or /account sign-in, an actor token at the mint, a code, access or
 *   refresh token at the provider (findAccount), an impersonation
 *   session at introspection and /me;
 * - the account's oidc-provider grants, revoked here with every token they issued (so an
 *   admin's step-up token is inactive at introspection at once);
 * - revocation markers in the tenants' slots, raised before the change (`revoking` below),
 *   which the legs' steps check: a ticket is refused at redemption (and a mint racing the
 *   change at its write) without reading the accounts, enabled again or not;
 * - the live impersonation sessions, ended here (each audited `impersonation.ended`); a
 *   session this sweep missed (one started during it) is ended by its next re-check.
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
import { revokeAccountGrants } from '../oidc/account-grants.js';
import { raiseRevocation, type RevocationReason } from '../impersonation/revocations.js';
import type { Store } from '../store/types.js';

export interface LifecycleDeps {
  accounts: Accounts;
  store: Store;
  audit: AuditSink;
  /** The roles as they are now (what the admin's role names grant). */
  roles: readonly RoleConfig[];
  /** Every tenant's id, disabled ones too: where an admin's tickets and sessions may be. */
  tenants: () => readonly string[];
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

/**
 * Revokes what an admin or user holds in `tenants` (PROTOCOL §10.2), around `change` (the
 * write that disables the account or takes its roles): the marker of the account's next
 * revocation goes up in each tenant first, the change is made, then the account counts it
 * (impersonation/revocations.ts says why in that order). An account that does not exist
 * is left to `change` to refuse.
 */
export async function revoking<T>(
  deps: { accounts: Pick<Accounts, 'admins' | 'users'>; store: Store },
  kind: 'admin' | 'user',
  id: string,
  tenants: readonly string[],
  reason: RevocationReason,
  change: () => Promise<T>,
): Promise<T> {
  const model = kind === 'admin' ? deps.accounts.admins : deps.accounts.users;
  const before = await model.findById(id);
  if (!before || tenants.length === 0) return change();
  await raiseRevocation(deps.store, tenants, kind, id, before.revocations + 1, reason);
  const changed = await change();
  await model.countRevocation(id);
  return changed;
}

export async function disableAdmin(deps: LifecycleDeps, adminId: string, actor: Actor): Promise<LifecycleResult<Admin>> {
  const admin = await revoking(deps, 'admin', adminId, deps.tenants(), 'admin_disabled', () => deps.accounts.admins.setDisabled(adminId, true));
  const grantsRevoked = await revokeAccountGrants(deps.store, adminId);
  const ended = await endLiveSessions(deps.store, deps.audit, { admin: adminId, tenants: deps.tenants() }, 'admin_disabled', { endedBy: 'system', facts: actor.facts, via: actor.via });
  await deps.audit.append({
    type: 'admin.disabled',
    outcome: 'success',
    admin: adminId,
    ...actor.facts,
    details: detailsOf(actor, { email: admin.email, sessionsEnded: ended.length, grantsRevoked }),
  });
  return { account: admin, sessionsEnded: ended.length };
}

export async function enableAdmin(deps: LifecycleDeps, adminId: string, actor: Actor): Promise<Admin> {
  const admin = await deps.accounts.admins.setDisabled(adminId, false);
  await deps.audit.append({ type: 'admin.enabled', outcome: 'success', admin: adminId, ...actor.facts, details: detailsOf(actor, { email: admin.email }) });
  return admin;
}

export async function disableUser(deps: LifecycleDeps, userId: string, actor: Actor): Promise<LifecycleResult<User>> {
  const known = await deps.accounts.users.findById(userId);
  const user = await revoking(deps, 'user', userId, known ? [known.tenant] : [], 'user_disabled', () => deps.accounts.users.setDisabled(userId, true));
  const grantsRevoked = await revokeAccountGrants(deps.store, userId);
  const ended = await endLiveSessions(deps.store, deps.audit, { user: userId, tenant: user.tenant }, 'user_disabled', { endedBy: 'system', facts: actor.facts, via: actor.via });
  await deps.audit.append({
    type: 'user.disabled',
    outcome: 'success',
    user: userId,
    tenant: user.tenant,
    ...actor.facts,
    details: detailsOf(actor, { email: user.email, sessionsEnded: ended.length, grantsRevoked }),
  });
  return { account: user, sessionsEnded: ended.length };
}

export async function enableUser(deps: LifecycleDeps, userId: string, actor: Actor): Promise<User> {
  const user = await deps.accounts.users.setDisabled(userId, false);
  await deps.audit.append({ type: 'user.enabled', outcome: 'success', user: userId, tenant: user.tenant, ...actor.facts, details: detailsOf(actor, { email: user.email }) });
  return user;
}

/**
 * Replaces the admin's roles. Taking a role away is treated like a disable for what the
 * admin holds (PROTOCOL §10.2): the console sessions, access and refresh tokens (step-up
 * tokens included), outstanding tickets and live impersonation sessions from before are
 * over, all of them ending now as `admin_role_removed` (the stamp would end the ones the new
 * roles still allow at their next check anyway, and then as if disabled); the grants are
 * revoked, and the admin signs in again under the new roles. Only adding roles keeps them.
 */
export async function changeAdminRoles(deps: LifecycleDeps, adminId: string, roles: string[], actor: Actor): Promise<LifecycleResult<Admin>> {
  const before = await deps.accounts.admins.findById(adminId);
  const removed = (before?.roles ?? []).filter((r) => !roles.includes(r));
  // Taking a role away revokes what the admin holds, its outstanding tickets everywhere too.
  const admin = await revoking(deps, 'admin', adminId, removed.length > 0 ? deps.tenants() : [], 'admin_role_removed', () =>
    deps.accounts.admins.setRoles(adminId, roles, { endSessions: removed.length > 0 }),
  );
  const grantsRevoked = removed.length > 0 ? await revokeAccountGrants(deps.store, adminId) : 0;
  const sensitiveUsers = new Map<string, boolean>();
  const isSensitive = async (userId: string) => {
    if (!sensitiveUsers.has(userId)) sensitiveUsers.set(userId, (await deps.accounts.users.findById(userId))?.sensitive ?? false);
    return sensitiveUsers.get(userId)!;
  };
  const ended = await endLiveSessions(deps.store, deps.audit, { admin: adminId, tenants: deps.tenants() }, 'admin_role_removed', {
    endedBy: 'system',
    facts: actor.facts,
    via: actor.via,
    which: async (s) => removed.length > 0 || !mayImpersonate(admin.roles, deps.roles, s.tenant, await isSensitive(s.user)),
  });
  await deps.audit.append({
    type: 'admin.roles_changed',
    outcome: 'success',
    admin: adminId,
    ...actor.facts,
    details: detailsOf(actor, { email: admin.email, from: (before?.roles ?? []).join(' '), to: admin.roles.join(' '), sessionsEnded: ended.length, grantsRevoked }),
  });
  return { account: admin, sessionsEnded: ended.length };
}

