/**
 * Whether an impersonation session may go on (PROTOCOL §3.5, §10.2): the session itself,
 * its admin and its user, read in one store round trip. Introspection and /me answer from
 * this; a session whose admin was disabled (at any time since it started, enabled again
 * or not), whose admin's roles no longer cover its tenant, or whose user was disabled is
 * ended here and then (audited once), whatever
 * sweep of the disable has or has not reached it yet.
 */
import { activeAdminRoles, activeUser, adminStateRead, userRead } from '../accounts/state.js';
import type { User } from '../accounts/types.js';
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { type AuditSink, endAndAudit, settled } from './end.js';
import { type EndReason, type ImpersonationSession, sessionFromFields } from './sessions.js';

export interface LiveSessionDeps {
  store: Store;
  audit: AuditSink;
  /** Whether these roles still allow impersonating a (sensitive or not) user of the tenant (PROTOCOL §5). */
  covers(roles: string[], tenant: string, sensitive: boolean): boolean;
}

/** Why the accounts behind an impersonation may no longer act, or null when they may. */
export function accountsRefusal(
  adminRoles: string[] | null,
  user: User | null,
  tenant: string,
  covers: LiveSessionDeps['covers'],
): Extract<EndReason, 'admin_disabled' | 'admin_role_removed' | 'user_disabled'> | null {
  if (!adminRoles) return 'admin_disabled';
  if (!user) return 'user_disabled';
  return covers(adminRoles, tenant, user.sensitive) ? null : 'admin_role_removed';
}

/** The session and its user while it may go on; null once it has ended (for whatever reason). */
export async function liveSession(
  deps: LiveSessionDeps,
  claims: { sid: string; admin: string; user: string },
): Promise<{ session: ImpersonationSession; user: User } | null> {
  const [sessionFields, adminFields, userFields] = await deps.store.hashReads([
    { key: keys.session(claims.sid) },
    adminStateRead(claims.admin),
    userRead(claims.user),
  ]);
  const session = sessionFromFields(sessionFields ?? null);
  // The token's claims and the session must name the same people.
  if (!session || session.admin !== claims.admin || session.user !== claims.user) return null;
  if (!(await settled(deps.store, deps.audit, session))) return null;
  // A session started before either account's most recent disable is over, enabled again or not.
  const user = activeUser(userFields, session.startedAt);
  const refusal = accountsRefusal(activeAdminRoles(adminFields, session.startedAt), user, session.tenant, deps.covers);
  if (refusal) {
    await endAndAudit(deps.store, deps.audit, session.sid, refusal, 'system');
    return null;
  }
  return { session, user: user! };
}
