/**
 * Leg 1 (PROTOCOL §3.2): the support console exchanges the admin's stepped-up access
 * token and a subject (user id or support access code) for a one-time ticket.
 */
import type { User } from '../accounts/index.js';
import { findTenant } from '../config/index.js';
import { looksLikeJwt } from '../keys/index.js';
import { getConsent, peekAccessCode, takeAccessCode } from '../impersonation/access-codes.js';
import { assertMayImpersonate, checkMintRequest } from '../impersonation/policy.js';
import { ImpersonationError } from '../impersonation/reasons.js';
import { discardTicket, mintTicket } from '../impersonation/tickets.js';
import {
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_IMPERSONATION_TICKET,
  TOKEN_TYPE_SUPPORT_ACCESS_CODE,
  TOKEN_TYPE_USER_ID,
} from '../impersonation/token-types.js';
import type { KoaContextWithOIDC } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { resolveActor } from './actor.js';
import { type AuditFacts, param, params } from './context.js';

async function resolveSubject(ctx: KoaContextWithOIDC, services: Services, adminId: string): Promise<{ user: User; accessCode?: string }> {
  const subjectToken = param(ctx, 'subject_token');
  const subjectTokenType = param(ctx, 'subject_token_type');
  if (!subjectToken || !subjectTokenType) throw new ImpersonationError('subject_token_missing');
  // PROTOCOL §4: no re-exchange that could shed or nest `act`.
  if (looksLikeJwt(subjectToken)) {
    const claims = await services.tokenVerifier.verify(subjectToken).catch(() => null);
    if (claims?.act) throw new ImpersonationError('subject_token_has_act');
  }
  let userId: string;
  let accessCode: string | undefined;
  if (subjectTokenType === TOKEN_TYPE_USER_ID) {
    if (subjectToken.startsWith('adm_')) throw new ImpersonationError('subject_is_admin');
    userId = subjectToken;
  } else if (subjectTokenType === TOKEN_TYPE_SUPPORT_ACCESS_CODE) {
    // PROTOCOL §10.3: a code is paid for before it is looked up, and refunded when it exists,
    // so N concurrent guesses look up at most the limit's worth of codes.
    const limiter = services.limiters.accessCodesPerAdmin;
    const gate = await limiter.consume(adminId);
    if (!gate.allowed) throw new ImpersonationError('rate_limited', { retryAfter: gate.retryAfter });
    const code = await peekAccessCode(services.store, subjectToken.slice(0, 64));
    if (!code) throw new ImpersonationError('access_code_invalid');
    await limiter.refund(adminId);
    userId = code.user;
    accessCode = subjectToken.slice(0, 64);
  } else if (subjectTokenType === TOKEN_TYPE_ACCESS_TOKEN) {
    throw new ImpersonationError('subject_token_type_unsupported', { detail: 'an access token cannot be a subject; use a user id or a support access code' });
  } else {
    throw new ImpersonationError('subject_token_type_unsupported');
  }
  const user = userId.length <= 128 ? await services.accounts.users.findById(userId) : null;
  if (!user || user.disabled) throw new ImpersonationError('subject_unavailable');
  return { user, accessCode };
}

export async function mintLeg(ctx: KoaContextWithOIDC, services: Services, facts: AuditFacts) {
  const { config, store } = services;
  const requested = param(ctx, 'requested_token_type');
  if (requested && requested !== TOKEN_TYPE_IMPERSONATION_TICKET) throw new ImpersonationError('requested_token_type_unsupported');

  const admin = await resolveActor(ctx, services);
  facts.admin = admin.id;
  const gate = await services.limiters.ticketsPerAdmin.consume(admin.id);
  if (!gate.allowed) throw new ImpersonationError('rate_limited', { retryAfter: gate.retryAfter });

  const { user, accessCode } = await resolveSubject(ctx, services, admin.id);
  const viaCode = accessCode !== undefined;
  facts.user = user.id;
  facts.tenant = user.tenant;
  const tenant = findTenant(config, user.tenant);
  if (!tenant) throw new ImpersonationError('subject_unavailable');

  if (tenant.consent === 'access-code' && !viaCode) throw new ImpersonationError('access_code_required');
  if (tenant.consent === 'opt-in' && !viaCode && (await getConsent(store, user.id)) !== 'granted') {
    throw new ImpersonationError('consent_missing');
  }
  assertMayImpersonate(admin.roles, config.roles, tenant.id, user.sensitive);
  const grant = checkMintRequest(
    {
      reason: param(ctx, 'reason'),
      duration: param(ctx, 'duration'),
      scope: param(ctx, 'scope'),
      audience: [...params(ctx, 'audience'), ...params(ctx, 'resource')],
    },
    tenant,
  );
  facts.reason = grant.reason;

  // Every check passed: now use the code, once (a racing mint with the same code loses here).
  if (accessCode !== undefined && !(await takeAccessCode(store, accessCode))) throw new ImpersonationError('access_code_invalid');

  const ticket = await mintTicket(
    store,
    {
      subject: user.id,
      tenant: tenant.id,
      audience: grant.audience,
      actor: admin.id,
      scope: grant.scope,
      reason: grant.reason,
      duration: grant.duration,
      consoleClient: ctx.oidc.client!.clientId,
      requestId: String(ctx.state.requestId ?? ''),
      issuedAt: Date.now(),
      actorEmail: admin.email,
      subjectEmail: user.email,
    },
    config.policy.ticketTtl,
  );
  // PROTOCOL §6: audited before the response; if that fails, nothing is issued.
  try {
    await services.audit.append({
      type: 'impersonation.ticket_issued',
      outcome: 'success',
      ...facts,
      details: { audience: grant.audience, duration: grant.duration, viaAccessCode: viaCode, adminEmail: admin.email, userEmail: user.email },
    });
  } catch (err) {
    await discardTicket(store, ticket).catch(() => undefined);
    throw err;
  }
  ctx.body = {
    access_token: ticket,
    issued_token_type: TOKEN_TYPE_IMPERSONATION_TICKET,
    token_type: 'N_A',
    expires_in: config.policy.ticketTtl,
    redeem_uri: `${grant.audience}${tenant.redeemPath}`,
  };
}
