/**
 * Removing or disabling something ends what depended on it at once (PROTOCOL §11): the
 * live impersonation sessions of a disabled tenant, of a deleted client, on a removed
 * domain, and of admins whose roles stopped covering a tenant. Each end goes through the
 * one end path (impersonation/end.ts), so it is audited and its back-channel logout sent.
 * Outstanding tickets need nothing more: redemption reads the current view, and a role that
 * allows less raises its holders' revocation markers as a role taken from them does.
 */
import type { Accounts } from '../accounts/index.js';
import { waitOutDisableSecond } from '../accounts/records.js';
import type { RoleConfig } from '../config/schema.js';
import { type AuditSink, endLiveSessions } from '../impersonation/end.js';
import { mayImpersonate } from '../impersonation/policy.js';
import { revoking } from '../lifecycle/index.js';
import { revokeAccountGrants } from '../oidc/account-grants.js';
import type { EndReason, ImpersonationSession } from '../impersonation/sessions.js';
import type { Store } from '../store/types.js';
import { auditedActor } from './rights.js';
import type { Actor } from './types.js';

export interface ConsequenceDeps {
  store: Store;
  audit: AuditSink;
  /** For role changes: the admins holding the role. Without it, the live re-checks end those sessions. */
  accounts?: Pick<Accounts, 'admins' | 'users'>;
}

/** Ends the tenant's live sessions that `which` selects (all by default); answers how many ended. */
export async function endTenantSessions(
  deps: ConsequenceDeps,
  tenantId: string,
  reason: Extract<EndReason, 'tenant_disabled' | 'client_removed' | 'domain_removed'>,
  actor: Actor,
  which?: (s: ImpersonationSession) => boolean,
): Promise<number> {
  const who = auditedActor(actor);
  const facts = { requestId: who.requestId, ip: who.ip, userAgent: who.userAgent, ...(who.client ? { client: who.client } : {}) };
  const ended = await endLiveSessions(deps.store, deps.audit, { tenant: tenantId }, reason, { endedBy: 'system', facts, via: who.details.via, which });
  return ended.length;
}

/**
 * Whether a role now allows less than it did (or is gone): a tenant no longer covered,
 * `sensitive` or a `manage*` right taken away.
 */
export function roleNarrowed(before: RoleConfig | undefined, after: RoleConfig | undefined): boolean {
  if (!before) return false;
  if (!after) return true;
  const lostTenant = before.tenants === '*' ? after.tenants !== '*' : after.tenants !== '*' && before.tenants.some((t) => !after.tenants.includes(t));
  const lost = (k: 'sensitive' | 'manageAdmins' | 'manageUsers' | 'manageTenants') => before[k] && !after[k];
  return lostTenant || lost('sensitive') || lost('manageAdmins') || lost('manageUsers') || lost('manageTenants');
}

/**
 * After a role changed or went: ends the live sessions of admins holding it that their roles
 * (as they now are) no longer allow. A role that allows less is taken away from its holders
 * as removing it from an admin is (PROTOCOL §10.2, lifecycle/changeAdminRoles): their console
 * sessions, the grants they hold (the step-up token) and all their live sessions end too.
 */
export async function endUncoveredSessions(
  deps: ConsequenceDeps,
  roleName: string,
  roles: readonly RoleConfig[],
  tenants: readonly string[],
  actor: Actor,
  narrowed = false,
): Promise<number> {
  if (!deps.accounts) return 0;
  const { admins, users } = deps.accounts;
  const who = auditedActor(actor);
  const sensitive = new Map<string, boolean>();
  const isSensitive = async (userId: string) => {
    if (!sensitive.has(userId)) sensitive.set(userId, (await users.findById(userId))?.sensitive ?? false);
    return sensitive.get(userId)!;
  };
  let ended = 0;
  let stamped: number | undefined;
  for (let offset = 0; ; offset += 500) {
    const page = await admins.list({ offset, limit: 500 });
    for (const admin of page.items.filter((a) => a.roles.includes(roleName))) {
      if (narrowed) {
        // Its outstanding tickets too, in every tenant's slot (impersonation/revocations.ts). The
        // stamp leaves the roles as they are now (a change meanwhile stays), and the one-second
        // wait after a stamp (accounts/records.ts) is taken once, after the last holder.
        stamped = await revoking({ accounts: deps.accounts, store: deps.store }, 'admin', admin.id, tenants, 'admin_role_removed', () =>
          admins.endSessions(admin.id, { wait: false }),
        );
        await revokeAccountGrants(deps.store, admin.id);
      }
      const done = await endLiveSessions(deps.store, deps.audit, { admin: admin.id, tenants }, 'admin_role_removed', {
        endedBy: 'system',
        facts: { requestId: who.requestId, ip: who.ip, userAgent: who.userAgent },
        via: who.details.via,
        // Narrowed: every live session of the holder ends now, as the stamp above ends them anyway.
        which: async (s) => narrowed || !mayImpersonate(admin.roles, [...roles], s.tenant, await isSensitive(s.user)),
      });
      ended += done.length;
    }
    if (page.items.length < 500) {
      if (stamped !== undefined) await waitOutDisableSecond({ sessionsEndedAt: String(stamped) });
      return ended;
    }
  }
}
