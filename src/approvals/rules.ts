/**
 * Who must approve, who may approve, and when a request stands where (PROTOCOL §5). Pure
 * functions over configuration, accounts and a request: no framework, no I/O.
 */
import type { RoleConfig, TenantConfig } from '../config/schema.js';
import { coversTenant, rolesOf } from '../impersonation/policy.js';
import { ApprovalError } from './reasons.js';
import type { AccessRequest, AccessRequestState, ApprovalPolicy } from './types.js';

/** Which approvals an impersonation of `user` at `tenant` needs before the mint. */
export function approvalsNeeded(tenant: Pick<TenantConfig, 'consent' | 'requireSecondAdmin'>, user: { sensitive: boolean }) {
  return { needsUser: tenant.consent === 'approval', needsSecondAdmin: user.sensitive || tenant.requireSecondAdmin };
}

export const needsAnyApproval = (needed: { needsUser: boolean; needsSecondAdmin: boolean }) => needed.needsUser || needed.needsSecondAdmin;

/**
 * The state as of `now`: a pending request past `expiresAt`, or an approved one unused past
 * `approvalWindow`, is expired even before anyone has written so (settle() does).
 */
export function stateAt(request: AccessRequest, now: number, policy: ApprovalPolicy): AccessRequestState {
  if (request.state === 'pending' && now > request.expiresAt) return 'expired';
  if (request.state === 'approved' && now > (request.approvedAt ?? 0) + policy.approvalWindow * 1000) return 'expired';
  return request.state;
}

/** What a mint asks of an approved request; what it leaves out, the request decides. */
export interface MintAsk {
  duration?: number;
  scope?: string[];
  /** Checked by the free-text rule (checkFreeText: trimmed, one line) like the request's own. */
  reason?: string;
}

/**
 * Whether a mint stays within its approved request (PROTOCOL §5, §10.7): no longer, no
 * wider, and for the reason that was approved. Reasons are compared exactly, after the one
 * normalisation the free-text rule applies to both (trimming): what people approved is
 * what the token, the tenant's banner and /account show, to the character. Any difference
 * ("Ticket #1" for "Ticket 99", a changed letter case) is a different reason.
 */
export function withinApproval(request: Pick<AccessRequest, 'duration' | 'scope' | 'reason'>, ask: MintAsk): boolean {
  if ((ask.duration ?? 0) > request.duration) return false;
  if ((ask.scope ?? []).some((s) => !request.scope.includes(s))) return false;
  return ask.reason === undefined || ask.reason === request.reason;
}

/** True when every approval the request needs is in. */
export function fullyApproved(request: AccessRequest): boolean {
  return (!request.needsUser || request.userDecision === 'approved') && (!request.needsSecondAdmin || request.secondDecision === 'approved');
}

/**
 * Who may decide for the customer: the user the request is about, or a user of the same
 * tenant the tenant configures as an approver. A user of another tenant never may.
 */
export function mayDecideForCustomer(request: AccessRequest, user: { id: string; tenant: string; email: string }, tenant: TenantConfig | undefined): boolean {
  if (!tenant || user.tenant !== request.tenant || tenant.id !== request.tenant) return false;
  return user.id === request.user || tenant.approvers.includes(user.email.toLowerCase());
}

/**
 * The two-person rule (PROTOCOL §5): a second admin is another person, whose roles cover
 * the tenant, freshly stepped up. Coverage is decided first, so an admin who does not
 * cover the tenant learns nothing about the request.
 */
export function assertMayApproveAsSecondAdmin(request: AccessRequest, admin: { id: string; roles: string[] }, roles: readonly RoleConfig[], steppedUp: boolean) {
  if (!rolesOf(admin.roles, roles).some((r) => coversTenant(r, request.tenant))) throw new ApprovalError('approver_not_covering');
  if (!request.needsSecondAdmin) throw new ApprovalError('second_admin_not_needed');
  if (admin.id === request.admin) throw new ApprovalError('self_approval');
  if (!steppedUp) throw new ApprovalError('approver_not_stepped_up');
}
