/**
 * Access requests in the store. The immutable part is one JSON field; the state machine is
 * a few hash fields moved only by compare-and-set (Store.hsetIfMatches), so two processes
 * deciding, expiring or using one request never both win:
 *
 *   pending ──(every needed approval)──► approved ──(the one mint)──► used
 *      ├──(a denial)──► denied              └──(approvalWindow passes)──► expired
 *      └──(approvalTtl passes)──► expired
 */
import { randomBytes } from 'node:crypto';
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { ApprovalError } from './reasons.js';
import { fullyApproved, type MintAsk, stateAt, withinApproval } from './rules.js';
import type { AccessRequest, AccessRequestInput, AccessRequestState, ApprovalPolicy } from './types.js';

/** How long a request stays listed after it is settled (the history on /account and in the console). */
export const REQUEST_RETENTION_SECONDS = 7 * 86400;

type Immutable = Omit<AccessRequest, 'state' | 'userDecision' | 'userDecidedBy' | 'userDecidedAt' | 'userDecidedWith' | 'secondDecision' | 'secondAdmin' | 'secondDecidedAt' | 'approvedAt' | 'usedAt'>;

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

function fromHash(fields: Record<string, string> | null): AccessRequest | null {
  if (!fields?.record || !fields.state) return null;
  const base = JSON.parse(fields.record) as Immutable;
  const request: AccessRequest = { ...base, state: fields.state as AccessRequestState };
  if (fields.userDecision) {
    request.userDecision = fields.userDecision as 'approved' | 'denied';
    request.userDecidedBy = fields.userDecidedBy;
    request.userDecidedAt = num(fields.userDecidedAt);
    request.userDecidedWith = fields.userDecidedWith as 'passkey' | 'session';
  }
  if (fields.secondDecision) {
    request.secondDecision = fields.secondDecision as 'approved' | 'denied';
    request.secondAdmin = fields.secondAdmin;
    request.secondDecidedAt = num(fields.secondDecidedAt);
  }
  if (fields.approvedAt) request.approvedAt = num(fields.approvedAt);
  if (fields.usedAt) request.usedAt = num(fields.usedAt);
  return request;
}

export async function findAccessRequest(store: Store, id: string): Promise<AccessRequest | null> {
  if (!/^ar_[A-Za-z0-9_-]{16,32}$/.test(id)) return null;
  return fromHash(await store.hgetall(keys.accessRequest(id)));
}

/** The admin's open (pending or approved) request for this user, if any. */
export async function openAccessRequest(store: Store, admin: string, user: string): Promise<AccessRequest | null> {
  const id = await store.get(keys.openAccessRequest(admin, user));
  const request = id ? await findAccessRequest(store, id) : null;
  return request && request.admin === admin && request.user === user ? request : null;
}

/** Newest first, by tenant (the console) or by user (/account). */
export async function listAccessRequests(store: Store, by: { tenant: string } | { user: string }, limit: number): Promise<AccessRequest[]> {
  const index = 'tenant' in by ? keys.accessRequestsByTenant(by.tenant) : keys.accessRequestsByUser(by.user);
  const ids = await store.zrevrange(index, 0, limit - 1);
  const found = await Promise.all(ids.map((id) => findAccessRequest(store, id)));
  return found.filter((r): r is AccessRequest => r !== null);
}

/**
 * Files a request: pending until every approval it needs is in, for `approvalTtl`. One open
 * request per admin and user: a second is refused while the first is pending or approved.
 */
export async function fileAccessRequest(store: Store, input: AccessRequestInput, policy: ApprovalPolicy, now: number): Promise<AccessRequest> {
  const open = await openAccessRequest(store, input.admin, input.user);
  if (open && ['pending', 'approved'].includes(stateAt(open, now, policy))) throw new ApprovalError('already_open');
  const request: Immutable = {
    ...input,
    id: `ar_${randomBytes(16).toString('base64url')}`,
    createdAt: now,
    expiresAt: now + policy.approvalTtl * 1000,
  };
  const key = keys.accessRequest(request.id);
  await store.hset(key, { record: JSON.stringify(request), state: 'pending' }, policy.approvalTtl + policy.approvalWindow + REQUEST_RETENTION_SECONDS);
  await store.waitForReplicas(key);
  const trim = { trimBelow: now - REQUEST_RETENTION_SECONDS * 1000, ttl: REQUEST_RETENTION_SECONDS + policy.approvalTtl };
  await store.zadd(keys.accessRequestsByTenant(input.tenant), now, request.id, trim);
  await store.zadd(keys.accessRequestsByUser(input.user), now, request.id, trim);
  await store.set(keys.openAccessRequest(input.admin, input.user), request.id, { ttl: policy.approvalTtl + policy.approvalWindow });
  return { ...request, state: 'pending' };
}

/**
 * Writes down an expiry that time has already decided (stateAt). True only for the one
 * caller whose write did it, so `support_access.expired` is audited once.
 */
export async function settleExpiry(store: Store, request: AccessRequest, now: number, policy: ApprovalPolicy): Promise<boolean> {
  if (request.state === 'expired' || stateAt(request, now, policy) !== 'expired') return false;
  const key = keys.accessRequest(request.id);
  return store.hsetIfMatches(key, { state: request.state }, { state: 'expired', expiredAt: String(now) });
}

/** Promotes a pending request to approved once every needed approval is in; true when this call did. */
async function promoteIfComplete(store: Store, id: string, now: number): Promise<boolean> {
  const request = await findAccessRequest(store, id);
  if (!request || request.state !== 'pending' || !fullyApproved(request)) return false;
  // Compare-and-set on exactly the approvals read: a racing denial or expiry wins or loses whole.
  const expect: Record<string, string | null> = { state: 'pending' };
  if (request.needsUser) expect.userDecision = 'approved';
  if (request.needsSecondAdmin) expect.secondDecision = 'approved';
  return store.hsetIfMatches(keys.accessRequest(id), expect, { state: 'approved', approvedAt: String(now) });
}

export interface Decision {
  decision: 'approved' | 'denied';
  /** The user id (customer side) or admin id (second admin). */
  by: string;
  /** Customer side only: whether a passkey assertion confirmed it. */
  with?: 'passkey' | 'session';
}

/**
 * One side's answer: the customer's (`customer`) or the second admin's (`second`). A denial
 * ends the request; an approval promotes it once the other needed approval is in too.
 * Returns the request after the decision and whether this call completed the approval.
 */
export async function decideAccessRequest(
  store: Store,
  request: AccessRequest,
  side: 'customer' | 'second',
  decision: Decision,
  now: number,
  policy: ApprovalPolicy,
): Promise<{ request: AccessRequest; completed: boolean }> {
  const state = stateAt(request, now, policy);
  if (state === 'expired') throw new ApprovalError('expired');
  if (state !== 'pending') throw new ApprovalError('not_pending');
  const key = keys.accessRequest(request.id);
  const [field, fields] =
    side === 'customer'
      ? (['userDecision', { userDecision: decision.decision, userDecidedBy: decision.by, userDecidedAt: String(now), userDecidedWith: decision.with ?? 'session' }] as const)
      : (['secondDecision', { secondDecision: decision.decision, secondAdmin: decision.by, secondDecidedAt: String(now) }] as const);
  const written = await store.hsetIfMatches(key, { state: 'pending', [field]: null }, decision.decision === 'denied' ? { ...fields, state: 'denied' } : fields);
  if (!written) throw new ApprovalError('not_pending');
  await store.waitForReplicas(key);
  const completed = decision.decision === 'approved' && (await promoteIfComplete(store, request.id, now));
  const after = (await findAccessRequest(store, request.id)) ?? request;
  return { request: after, completed };
}

export type UseRefusal = 'none' | 'not_approved' | 'exceeds_approval';

/**
 * The mint's side (PROTOCOL §5): the admin's approved request for this user, good for one
 * ticket within `approvalWindow`, asking for no more than was approved, for its reason. Exactly one caller
 * across all processes moves it from approved to used.
 */
export async function useAccessRequest(
  store: Store,
  ask: { admin: string; user: string } & MintAsk,
  now: number,
  policy: ApprovalPolicy,
): Promise<{ ok: true; request: AccessRequest } | { ok: false; refusal: UseRefusal; request?: AccessRequest }> {
  const request = await openAccessRequest(store, ask.admin, ask.user);
  if (!request) return { ok: false, refusal: 'none' };
  if (stateAt(request, now, policy) !== 'approved') return { ok: false, refusal: 'not_approved', request };
  // What the mint leaves out, the approval decides; what it asks for must be what was approved.
  if (!withinApproval(request, ask)) return { ok: false, refusal: 'exceeds_approval', request };
  const key = keys.accessRequest(request.id);
  const expect = { state: 'approved', approvedAt: String(request.approvedAt), usedAt: null };
  if (!(await store.hsetIfMatches(key, expect, { state: 'used', usedAt: String(now) }))) return { ok: false, refusal: 'not_approved', request };
  // A use a failover could lose would let the approval mint again.
  await store.waitForReplicas(key);
  return { ok: true, request: { ...request, state: 'used', usedAt: now } };
}
