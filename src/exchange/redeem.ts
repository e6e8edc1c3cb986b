/**
 * Leg 2 (PROTOCOL §3.4): a tenant client of the ticket's tenant presents the ticket once
 * and receives the impersonation access token: an RFC 9068 JWT with `act` and
 * `impersonation`, no refresh token. The first presentation burns the ticket whatever
 * its outcome; any later one is a replay that (tenant `onReplay: revoke`) ends the session.
 */
import { findTenant } from '../config/index.js';
import { actorDisplay } from '../impersonation/actor-display.js';
import { ImpersonationError } from '../impersonation/reasons.js';
import { endAndAudit } from '../impersonation/end.js';
import { endSession, startSession } from '../impersonation/sessions.js';
import { linkSession, presentTicket, type TicketRecord } from '../impersonation/tickets.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN } from '../impersonation/token-types.js';
import { type KoaContextWithOIDC, mintJwtAccessToken } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { type AuditFacts, param } from './context.js';

const ticketShape = /^[A-Za-z0-9_-]{43}$/;

export async function redeemLeg(ctx: KoaContextWithOIDC, services: Services, facts: AuditFacts) {
  const { config, store } = services;
  const requested = param(ctx, 'requested_token_type');
  if (requested && requested !== TOKEN_TYPE_ACCESS_TOKEN) throw new ImpersonationError('requested_token_type_unsupported');
  const ticket = param(ctx, 'subject_token');
  if (!ticket || !ticketShape.test(ticket)) throw new ImpersonationError('ticket_invalid');

  const maxSession = Math.max(...config.tenants.map((t) => t.impersonation.maxSeconds), 60);
  const presentation = await presentTicket(store, ticket, maxSession + 300);
  if (presentation.kind === 'unknown') throw new ImpersonationError('ticket_invalid');
  const record: TicketRecord = presentation.record;
  Object.assign(facts, { admin: record.actor, user: record.subject, tenant: record.tenant, reason: record.reason });
  const tenant = findTenant(config, record.tenant);

  if (presentation.kind === 'replay') {
    if (presentation.firstReplay) {
      await services.audit.append({ type: 'impersonation.ticket_replayed', outcome: 'failure', code: 'ticket_replayed', ...facts, sid: presentation.sid });
    }
    if (presentation.sid && tenant?.onReplay === 'revoke') {
      await endAndAudit(store, services.audit, presentation.sid, 'ticket_replayed', 'system', facts);
    }
    throw new ImpersonationError('ticket_replayed');
  }

  // Burned already: from here on every refusal leaves the ticket unusable.
  const client = ctx.oidc.client!;
  if (client.gatehouse_role !== 'tenant') throw new ImpersonationError('client_not_tenant');
  const clientTenant = findTenant(config, String(client.gatehouse_tenant));
  if (!tenant || client.gatehouse_tenant !== record.tenant || !clientTenant?.domains.includes(record.audience)) {
    throw new ImpersonationError('redeem_wrong_tenant');
  }

  const session = await startSession(store, {
    admin: record.actor,
    user: record.subject,
    tenant: record.tenant,
    audience: record.audience,
    client: client.clientId,
    reason: record.reason,
    scope: record.scope,
    duration: record.duration,
  });
  facts.sid = session.sid;
  const scope = record.scope.join(' ');
  const accessToken = await mintJwtAccessToken(ctx, {
    accountId: record.subject,
    audience: record.audience,
    scope,
    expiresIn: record.duration,
    gty: GRANT_TYPE_TOKEN_EXCHANGE,
    claims: {
      act: { sub: record.actor },
      impersonation: { sid: session.sid, reason: record.reason, actor_display: actorDisplay(tenant, record) },
    },
  });
  try {
    await services.audit.append({
      type: 'impersonation.started',
      outcome: 'success',
      ...facts,
      details: {
        audience: record.audience,
        expiresAt: new Date(session.expiresAt).toISOString(),
        ...(record.actorEmail ? { adminEmail: record.actorEmail } : {}),
        ...(record.subjectEmail ? { userEmail: record.subjectEmail } : {}),
      },
    });
  } catch (err) {
    // Not audited, not issued: the token is dead before anyone sees it.
    await endSession(store, session.sid, 'revoked').catch(() => undefined);
    throw err;
  }
  const { replayed } = await linkSession(store, presentation.ticketHash, session.sid);
  if (replayed && tenant.onReplay === 'revoke') {
    await endAndAudit(store, services.audit, session.sid, 'ticket_replayed', 'system', facts);
  }
  ctx.body = {
    access_token: accessToken,
    issued_token_type: TOKEN_TYPE_ACCESS_TOKEN,
    token_type: 'Bearer',
    expires_in: record.duration,
    scope,
  };
}
