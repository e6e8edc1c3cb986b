/**
 * Leg 1 (PROTOCOL §3.2): the support console exchanges the admin's stepped-up access
 * token and a subject (user id or support access code) for a one-time ticket.
 */
import type { Admin, User } from '../accounts/index.js';
import { approvalsNeeded, needsAnyApproval } from '../approvals/index.js';
import type { TenantConfig } from '../config/index.js';
import { looksLikeJwt } from '../keys/index.js';
import { getConsent, peekAccessCode, takeAccessCode } from '../impersonation/access-codes.js';
import { assertCoversTenant, assertMayImpersonate, checkMintRequest, coversTenant, rolesOf, audienceTarget } from '../impersonation/policy.js';
import { ImpersonationError, type ReasonCode } from '../impersonation/reasons.js';
import { type TicketRecord, ticketGuards, ticketStateKey } from '../impersonation/tickets.js';
import { isRevocationReason, type RevocationReason } from '../impersonation/revocations.js';
import { keys as storeKeys } from '../store/keys.js';
import {
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_IMPERSONATION_TICKET,
  TOKEN_TYPE_SUPPORT_ACCESS_CODE,
  TOKEN_TYPE_USER_ID,
} from '../impersonation/token-types.js';
import type { KoaContextWithOIDC } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { readActorAhead, resolveActor } from './actor.js';
import { useApproval } from './approval.js';
import { type AuditFacts, param, params } from './context.js';

/** A subject as presented: its shape is checked here, nothing about the user is looked up. */
type SubjectToken = { kind: 'user-id'; userId: string } | { kind: 'access-code'; code: string };

async function readSubjectToken(ctx: KoaContextWithOIDC, services: Services): Promise<SubjectToken> {
  const subjectToken = param(ctx, 'subject_token');
  const subjectTokenType = param(ctx, 'subject_token_type');
  if (!subjectToken || !subjectTokenType) throw new ImpersonationError('subject_token_missing');
  // PROTOCOL §4: no re-exchange that could shed or nest `act`.
  if (looksLikeJwt(subjectToken)) {
    const claims = await services.tokenVerifier.verify(subjectToken).catch(() => null);
    if (claims?.act) throw new ImpersonationError('subject_token_has_act');
  }
  if (subjectTokenType === TOKEN_TYPE_USER_ID) {
    if (subjectToken.startsWith('adm_')) throw new ImpersonationError('subject_is_admin');
    return { kind: 'user-id', userId: subjectToken };
  }
  if (subjectTokenType === TOKEN_TYPE_SUPPORT_ACCESS_CODE) return { kind: 'access-code', code: subjectToken.slice(0, 64) };
  if (subjectTokenType === TOKEN_TYPE_ACCESS_TOKEN) {
    throw new ImpersonationError('subject_token_type_unsupported', { detail: 'an access token cannot be a subject; use a user id or a support access code' });
  }
  throw new ImpersonationError('subject_token_type_unsupported');
}

/**
 * The user behind the subject, at `tenant` (whose coverage is already decided). A user of
 * another tenant is `audience_invalid` only to an admin who covers that tenant too; to
 * anyone else it looks exactly like no user (or a wrong code) at all.
 */
async function resolveSubject(
  services: Services,
  subject: SubjectToken,
  admin: Admin,
  tenant: TenantConfig,
  prefetched?: SubjectPrefetch,
): Promise<{ user: User; accessCode?: string }> {
  const { roles } = services.tenancy.view();
  const elsewhere = (user: User, unknown: ImpersonationError) =>
    rolesOf(admin.roles, roles).some((r) => coversTenant(r, user.tenant)) ? new ImpersonationError('audience_invalid') : unknown;
  if (subject.kind === 'user-id') {
    const user =
      prefetched?.userId === subject.userId
        ? (await prefetched.reads)[0]
        : subject.userId.length <= 128
          ? await services.accounts.users.findById(subject.userId)
          : null;
    if (user && user.tenant !== tenant.id) throw elsewhere(user, new ImpersonationError('subject_unavailable'));
    if (!user || user.disabled) throw new ImpersonationError('subject_unavailable');
    return { user };
  }
  // PROTOCOL §10.3: a code is paid for before it is looked up, and refunded only when it is
  // usable here, so N concurrent guesses look up at most the limit's worth of codes.
  const limiter = services.limiters.accessCodesPerAdmin;
  const gate = await limiter.consume(admin.id);
  if (!gate.allowed) throw new ImpersonationError('rate_limited', { retryAfter: gate.retryAfter });
  const code = await peekAccessCode(services.store, subject.code);
  if (!code) throw new ImpersonationError('access_code_invalid');
  const user = await services.accounts.users.findById(code.user);
  if (user && user.tenant !== tenant.id) throw elsewhere(user, new ImpersonationError('access_code_invalid'));
  if (!user || user.disabled) throw new ImpersonationError('subject_unavailable');
  await limiter.refund(admin.id);
  return { user, accessCode: subject.code };
}

/** A user-id subject's record and consent, read in the round trip that consumes the admin's limit. */
interface SubjectPrefetch {
  userId: string;
  reads: Promise<[User | null, 'granted' | 'denied' | undefined]>;
}

/**
 * Starts reading the user a user-id subject names (and its consent, where the tenant the
 * audience names asks for it), to ride in one round trip with the limit's consume. Nothing
 * read here is looked at before the limit, the subject's shape and the admin's coverage
 * of the tenant have been decided, in that order (PROTOCOL §4, §10.3).
 */
function prefetchSubject(ctx: KoaContextWithOIDC, services: Services): SubjectPrefetch | undefined {
  const userId = param(ctx, 'subject_token');
  if (param(ctx, 'subject_token_type') !== TOKEN_TYPE_USER_ID || !userId || userId.length > 128) return undefined;
  if (looksLikeJwt(userId) || userId.startsWith('adm_')) return undefined;
  let optIn = false;
  try {
    optIn = audienceTarget([...params(ctx, 'audience'), ...params(ctx, 'resource')], services.tenancy.view()).tenant.consent === 'opt-in';
  } catch {
    // The audience is refused later, in its turn.
  }
  const reads = Promise.all([services.accounts.users.findById(userId), optIn ? getConsent(services.store, userId) : undefined]);
  // Looked at only when the request gets that far; a refusal before must not leave it unhandled.
  reads.catch(() => undefined);
  return { userId, reads };
}

/** A revocation the mint's step found (an account changed between its reads and its write), as the mint's refusal. */
const MINT_REVOKED: Record<RevocationReason, ReasonCode> = {
  admin_disabled: 'actor_not_admin',
  admin_role_removed: 'tenant_not_covered',
  user_disabled: 'subject_unavailable',
};

/**
 * The admin, with the limit consumed for them (PROTOCOL §10.3: consume first). For a token
 * seen before, the consume for the admin it named rides in the first round trip with the
 * token's reads; if the token turns out not to be that admin's, or not good at all, the
 * point goes back, so only a mint that gets past its actor pays.
 */
async function actorAndGate(ctx: KoaContextWithOIDC, services: Services, facts: AuditFacts, prefetch: () => void) {
  const limiter = services.limiters.ticketsPerAdmin;
  const reads = readActorAhead(ctx, services);
  const early = reads.admin ? limiter.consume(reads.admin) : undefined;
  early?.catch(() => undefined);
  prefetch();
  let admin: Admin;
  try {
    admin = await resolveActor(ctx, services, reads);
  } catch (err) {
    if (early) await limiter.refund(reads.admin!).catch(() => undefined);
    throw err;
  }
  facts.admin = admin.id;
  if (early && reads.admin === admin.id) return { admin, gate: await early };
  if (early) await limiter.refund(reads.admin!);
  return { admin, gate: await limiter.consume(admin.id) };
}

export async function mintLeg(ctx: KoaContextWithOIDC, services: Services, facts: AuditFacts) {
  const { config, store } = services;
  // Runtime configuration (PROTOCOL §11): one in-process view for the whole request, no round trip.
  const tenancy = services.tenancy.view();
  const requested = param(ctx, 'requested_token_type');
  if (requested && requested !== TOKEN_TYPE_IMPERSONATION_TICKET) throw new ImpersonationError('requested_token_type_unsupported');

  // The limit's consume goes out first; the subject's reads ride in the same round trip.
  let prefetched: SubjectPrefetch | undefined;
  const { admin, gate } = await actorAndGate(ctx, services, facts, () => {
    prefetched = prefetchSubject(ctx, services);
  });
  if (!gate.allowed) throw new ImpersonationError('rate_limited', { retryAfter: gate.retryAfter });

  // PROTOCOL §4: the tenant comes from the audience and the admin's coverage of it is decided
  // before anything that depends on the user's existence, consent state or access code.
  const subject = await readSubjectToken(ctx, services);
  const audience = [...params(ctx, 'audience'), ...params(ctx, 'resource')];
  const { tenant, verified } = audienceTarget(audience, tenancy);
  facts.tenant = tenant.id;
  assertCoversTenant(admin.roles, tenancy.roles, tenant.id);
  if (!verified) throw new ImpersonationError('audience_unverified');

  const { user, accessCode } = await resolveSubject(services, subject, admin, tenant, prefetched);
  const viaCode = accessCode !== undefined;
  facts.user = user.id;

  if (tenant.consent === 'access-code' && !viaCode) throw new ImpersonationError('access_code_required');
  const prefetchedConsent = prefetched?.userId === user.id ? (await prefetched.reads)[1] : undefined;
  if (tenant.consent === 'opt-in' && !viaCode && (prefetchedConsent ?? (await getConsent(store, user.id))) !== 'granted') {
    throw new ImpersonationError('consent_missing');
  }
  assertMayImpersonate(admin.roles, tenancy.roles, tenant.id, user.sensitive);
  const reasonFromApproval = needsAnyApproval(approvalsNeeded(tenant, user));
  const grant = checkMintRequest({ reason: param(ctx, 'reason'), reasonFromApproval, duration: param(ctx, 'duration'), scope: param(ctx, 'scope'), audience }, tenant);
  if (grant.reason) facts.reason = grant.reason;
  // PROTOCOL §5: consent mode `approval` and the two-person rule use up one approved request.
  const asked = { duration: param(ctx, 'duration') !== undefined, scope: param(ctx, 'scope') !== undefined, reason: param(ctx, 'reason') !== undefined };
  const approval = await useApproval(services, { tenant, user, admin }, grant, asked, facts);

  // Every check passed: now use the code, once (a racing mint with the same code loses here).
  if (accessCode !== undefined && !(await takeAccessCode(store, accessCode))) throw new ImpersonationError('access_code_invalid');

  const record: TicketRecord = {
    subject: user.id,
    tenant: tenant.id,
    audience: grant.audience,
    actor: admin.id,
    scope: grant.scope,
    reason: grant.reason,
    duration: grant.duration,
    issuedAt: Date.now(),
    actorRevocations: admin.revocations,
    subjectRevocations: user.revocations,
    actorRoles: admin.roles,
    subjectSensitive: user.sensitive,
    actorEmail: admin.email,
    subjectEmail: user.email,
    actorName: admin.name,
    ...(approval?.approvedBy ? { approvedBy: approval.approvedBy } : {}),
  };
  const ticket = services.tickets.issue(record);
  // PROTOCOL §6: the ticket and its audit event in one step; if it fails, neither exists.
  const issued = services.audit.stage({
    type: 'impersonation.ticket_issued',
    outcome: 'success',
    ...facts,
    details: { audience: grant.audience, duration: grant.duration, viaAccessCode: viaCode, adminEmail: admin.email, userEmail: user.email, ...(approval ?? {}) },
  });
  const stateKey = ticketStateKey(tenant.id, ticket);
  const committed = await store.commitTicket({
    key: stateKey,
    ttl: config.policy.ticketTtl,
    guards: ticketGuards(record),
    log: storeKeys.auditLog(issued.log),
    leaves: [issued.leaf],
  });
  if (!committed.ok) throw new ImpersonationError(isRevocationReason(committed.revoked) ? MINT_REVOKED[committed.revoked] : 'actor_not_admin');
  // A ticket is only handed out once a failover cannot lose it (nor its event).
  await store.waitForReplicas(stateKey);
  services.audit.committed(issued, committed.index);
  ctx.body = {
    access_token: ticket,
    issued_token_type: TOKEN_TYPE_IMPERSONATION_TICKET,
    token_type: 'N_A',
    expires_in: config.policy.ticketTtl,
    redeem_uri: `${grant.audience}${tenant.redeemPath}`,
  };
}
