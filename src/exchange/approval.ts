/**
 * The mint's approval step (PROTOCOL §5): for a tenant in consent mode `approval` or a user
 * under the two-person rule, the admin's own approved access request for this user is used
 * up here, once, atomically across processes. The request bounds the ticket: what the mint
 * leaves out (reason, duration, scope) comes from it, it may not ask for more, and a reason
 * it gives must be the approved one (approvals/rules.ts `withinApproval`).
 */
import type { Admin, User } from '../accounts/index.js';
import { accessRequests, approvalsNeeded, needsAnyApproval } from '../approvals/index.js';
import type { TenantConfig } from '../config/index.js';
import type { Grantable } from '../impersonation/policy.js';
import { ImpersonationError } from '../impersonation/reasons.js';
import type { Services } from '../services.js';
import type { AuditFacts } from './context.js';

export interface ApprovalUsed {
  accessRequest: string;
  /** The second admin of the two-person rule (`impersonation.approved_by`). */
  approvedBy?: string;
}

export async function useApproval(
  services: Services,
  at: { tenant: TenantConfig; user: User; admin: Admin },
  grant: Grantable,
  asked: { duration: boolean; scope: boolean; reason: boolean },
  facts: AuditFacts,
): Promise<ApprovalUsed | null> {
  const needed = approvalsNeeded(at.tenant, at.user);
  if (!needsAnyApproval(needed)) return null;
  const requests = accessRequests({ store: services.store, audit: services.audit, policy: services.config.policy });
  const ask = {
    admin: at.admin.id,
    user: at.user.id,
    ...(asked.duration ? { duration: grant.duration } : {}),
    ...(asked.scope ? { scope: grant.scope } : {}),
    ...(asked.reason ? { reason: grant.reason } : {}),
  };
  const meta = { requestId: facts.requestId, ip: facts.ip, userAgent: facts.userAgent, client: facts.client };
  const result = await requests.use(ask, meta);
  if (!result.ok) {
    if (result.refusal === 'exceeds_approval') throw new ImpersonationError('approval_exceeded');
    throw new ImpersonationError(needed.needsUser ? 'approval_required' : 'second_admin_required');
  }
  grant.duration = asked.duration ? grant.duration : result.request.duration;
  grant.scope = asked.scope ? grant.scope : result.request.scope;
  grant.reason = result.request.reason;
  facts.reason = grant.reason;
  return { accessRequest: result.request.id, ...(result.request.secondAdmin ? { approvedBy: result.request.secondAdmin } : {}) };
}
