/**
 * Ending a session and auditing the end, in one place for every way a session ends
 * (PROTOCOL §3.6): the tenant's revocation, the admin, the user, a replay, expiry.
 */
import { countActivity } from '../activity/read.js';
import type { AuditEventInput } from '../audit/events.js';
import type { Store } from '../store/types.js';
import {
  type EndReason,
  endSession,
  findSession,
  type ImpersonationSession,
  isActive,
  listLiveSessions,
  type SessionIndex,
} from './sessions.js';

export interface AuditSink {
  append(input: AuditEventInput): Promise<unknown>;
}

type Facts = Partial<Pick<AuditEventInput, 'client' | 'requestId' | 'ip' | 'userAgent'>>;

/**
 * Audits an end that `endSession` reported (it reports each end exactly once), with how many
 * activity entries the tenant app reported. This `impersonation.ended` event is also what
 * sends the back-channel logout (src/delivery), so every way a session ends does.
 */
export async function auditEnd(audit: AuditSink, session: ImpersonationSession, facts: Facts = {}, via?: string, activity?: number) {
  await audit.append({
    ...facts,
    type: 'impersonation.ended',
    outcome: 'success',
    admin: session.admin,
    user: session.user,
    tenant: session.tenant,
    sid: session.sid,
    reason: session.reason,
    code: session.endReason,
    details: {
      endedBy: session.endedBy ?? 'system',
      audience: session.audience,
      ...(via ? { via } : {}),
      ...(activity !== undefined ? { activity } : {}),
    },
  });
}

/** Ends the session if it is still on; returns it when this call ended it. */
export async function endAndAudit(
  store: Store,
  audit: AuditSink,
  sid: string,
  reason: EndReason,
  endedBy?: string,
  facts: Facts = {},
  via?: string,
): Promise<ImpersonationSession | null> {
  const ended = await endSession(store, sid, reason, endedBy);
  // A count the store cannot give is left out rather than holding up the end's audit.
  if (ended) await auditEnd(audit, ended, facts, via, await countActivity(store, sid).catch(() => undefined));
  return ended;
}

/** The session if it is still on; one that ran out is settled now (audited once as `expired`). */
export async function settleSession(store: Store, audit: AuditSink, sid: string | undefined): Promise<ImpersonationSession | null> {
  const session = sid ? await findSession(store, sid) : null;
  return session ? settled(store, audit, session) : null;
}

/**
 * A listed session as it stands once settled: one still on, or already ended, comes back
 * as it is; one that ran out is ended now (audited once as `expired`) and comes back
 * ended, without reading it again. Only when another instance ended it first is it re-read.
 */
export async function settleListed(store: Store, audit: AuditSink, session: ImpersonationSession, now = Date.now()): Promise<ImpersonationSession> {
  if (session.endedAt || isActive(session, now)) return session;
  const ended = await endAndAudit(store, audit, session.sid, 'expired', 'system');
  return ended ?? (await findSession(store, session.sid)) ?? session;
}

/** `settleSession` for a session already read. */
export async function settled(store: Store, audit: AuditSink, session: ImpersonationSession): Promise<ImpersonationSession | null> {
  if (isActive(session)) return session;
  if (!session.endedAt) await endAndAudit(store, audit, session.sid, 'expired', 'system');
  return null;
}

/**
 * Ends every live session of an index that `which` selects (all by default), each audited
 * once with `reason`: disabling an account, or removing the role that covered a tenant
 * (PROTOCOL §10.2). Returns the sessions this call ended.
 */
export async function endLiveSessions(
  store: Store,
  audit: AuditSink,
  by: SessionIndex,
  reason: EndReason,
  options: { endedBy?: string; facts?: Facts; via?: string; which?: (s: ImpersonationSession) => boolean | Promise<boolean> } = {},
): Promise<ImpersonationSession[]> {
  const ended: ImpersonationSession[] = [];
  for (const session of await listLiveSessions(store, by)) {
    if (options.which && !(await options.which(session))) continue;
    const done = await endAndAudit(store, audit, session.sid, reason, options.endedBy ?? 'system', options.facts, options.via);
    if (done) ended.push(done);
  }
  return ended;
}
