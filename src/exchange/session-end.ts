import type { ImpersonationSession } from '../impersonation/sessions.js';
import type { Services } from '../services.js';
import type { AuditFacts } from './context.js';

/** Audits the end of an impersonation session with its reason (PROTOCOL §3.6). */
export async function auditSessionEnd(services: Services, session: ImpersonationSession, facts: Partial<AuditFacts> = {}) {
  await services.audit.append({
    ...facts,
    type: 'impersonation.ended',
    outcome: 'success',
    admin: session.admin,
    user: session.user,
    tenant: session.tenant,
    sid: session.sid,
    reason: session.reason,
    code: session.endReason,
    details: { endedBy: session.endedBy ?? 'system', audience: session.audience },
  });
}
