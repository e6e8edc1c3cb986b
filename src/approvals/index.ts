/**
 * Access requests with their audit trail (PROTOCOL §5, §6): every step — requested,
 * approved, denied, expired, used — is an event in the tenant's log, appended before the
 * answer goes out. No framework: routes in console/ and self-service/, the mint in exchange/.
 */
import type { AuditEventInput, AuditLog } from '../audit/index.js';
import type { Store } from '../store/types.js';
import { decideAccessRequest, type Decision, fileAccessRequest, findAccessRequest, listAccessRequests, settleExpiry, useAccessRequest } from './requests.js';
import type { MintAsk } from './rules.js';
import type { AccessRequest, AccessRequestInput, ApprovalPolicy } from './types.js';

export * from './reasons.js';
export * from './rules.js';
export type * from './types.js';
export { findAccessRequest, openAccessRequest, REQUEST_RETENTION_SECONDS, type UseRefusal } from './requests.js';

/** Who did it and from where, for the event (request id, IP, user agent). */
export type RequestMeta = Pick<AuditEventInput, 'requestId' | 'ip' | 'userAgent' | 'client'>;

function facts(request: AccessRequest): Pick<AuditEventInput, 'admin' | 'user' | 'tenant' | 'reason'> & { details: Record<string, string | number | boolean> } {
  return {
    admin: request.admin,
    user: request.user,
    tenant: request.tenant,
    reason: request.reason,
    details: {
      accessRequest: request.id,
      duration: request.duration,
      scope: request.scope.join(' '),
      needsUser: request.needsUser,
      needsSecondAdmin: request.needsSecondAdmin,
      expiresAt: new Date(request.expiresAt).toISOString(),
      ...(request.adminEmail ? { adminEmail: request.adminEmail } : {}),
      ...(request.userEmail ? { userEmail: request.userEmail } : {}),
    },
  };
}

export function accessRequests(deps: { store: Store; audit: Pick<AuditLog, 'append'>; policy: ApprovalPolicy }) {
  const { store, audit, policy } = deps;

  const event = (type: AuditEventInput['type'], request: AccessRequest, meta: RequestMeta, extra: Record<string, string | number | boolean> = {}, outcome: 'success' | 'failure' = 'success') => {
    const base = facts(request);
    return audit.append({ type, outcome, ...base, ...meta, details: { ...base.details, ...extra } });
  };

  /** The request as of now; an expiry time has decided is written down and audited (once). */
  async function settle(request: AccessRequest, meta: RequestMeta = {}): Promise<AccessRequest> {
    const now = Date.now();
    if (!(await settleExpiry(store, request, now, policy))) {
      return request.state === 'expired' || request.state === 'used' || request.state === 'denied' ? request : ((await findAccessRequest(store, request.id)) ?? request);
    }
    const phase = request.state === 'approved' ? 'approved_unused' : 'unanswered';
    const expired = { ...request, state: 'expired' as const };
    await event('support_access.expired', expired, meta, { phase }, 'failure');
    return expired;
  }

  return {
    policy,
    async file(input: AccessRequestInput, meta: RequestMeta): Promise<AccessRequest> {
      const request = await fileAccessRequest(store, input, policy, Date.now());
      await event('support_access.requested', request, meta);
      return request;
    },
    async find(id: string, meta: RequestMeta = {}): Promise<AccessRequest | null> {
      const request = await findAccessRequest(store, id);
      return request && settle(request, meta);
    },
    async list(by: { tenant: string } | { user: string }, limit: number): Promise<AccessRequest[]> {
      return Promise.all((await listAccessRequests(store, by, limit)).map((r) => settle(r)));
    },
    settle,
    /** The customer's or the second admin's answer, audited as approved or denied. */
    async decide(request: AccessRequest, side: 'customer' | 'second', decision: Decision, meta: RequestMeta): Promise<AccessRequest> {
      const { request: after, completed } = await decideAccessRequest(store, request, side, decision, Date.now(), policy);
      const by = side === 'second' ? 'second_admin' : decision.by === request.user ? 'user' : 'approver';
      await event(decision.decision === 'approved' ? 'support_access.approved' : 'support_access.denied', after, meta, {
        by,
        decidedBy: decision.by,
        ...(decision.with ? { with: decision.with } : {}),
        // The approval this one completed opens the window for the one ticket.
        complete: completed,
      }, decision.decision === 'approved' ? 'success' : 'failure');
      return after;
    },
    /** The mint's one use of an approved request (exchange/mint.ts), audited as used. */
    async use(ask: { admin: string; user: string } & MintAsk, meta: RequestMeta) {
      const result = await useAccessRequest(store, ask, Date.now(), policy);
      if (result.ok) await event('support_access.used', result.request, meta, result.request.secondAdmin ? { approvedBy: result.request.secondAdmin } : {});
      // A refusal because time ran out is the moment the expiry is written down (and audited).
      else if (result.request) await settle(result.request, meta);
      return result;
    },
  };
}

export type AccessRequests = ReturnType<typeof accessRequests>;
