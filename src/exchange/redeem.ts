/**
 * Leg 2 (PROTOCOL §3.4): a tenant client of the ticket's tenant presents the ticket once
 * and receives the impersonation access token: an RFC 9068 JWT with `act` and
 * `impersonation`, no refresh token. The first presentation burns the ticket whatever
 * its outcome (a requested_token_type we do not issue included); any later one is a
 * replay that (tenant `onReplay: revoke`) ends the session. Both accounts are re-checked.
 */
import { actorDisplay } from '../impersonation/actor-display.js';
import { ImpersonationError } from '../impersonation/reasons.js';
import { endAndAudit } from '../impersonation/end.js';
import { endSession, type ImpersonationSession, newSession, saveSession } from '../impersonation/sessions.js';
import { giveBackTicket, linkSession, type Presentation, presentTicket, type TicketRecord } from '../impersonation/tickets.js';
import { accountsRefusal } from '../impersonation/live.js';
import { coverageOf } from '../impersonation/policy.js';
import { activeAdminRoles, activeUser, adminStateRead, userRead } from '../accounts/state.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN } from '../impersonation/token-types.js';
import { type KoaContextWithOIDC, mintJwtAccessToken } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { type AuditFacts, param } from './context.js';

const ticketShape = /^[A-Za-z0-9_-]{43}$/;

const REDEEM_REFUSALS = {
  admin_disabled: 'ticket_admin_disabled',
  admin_role_removed: 'ticket_tenant_not_covered',
  user_disabled: 'ticket_subject_disabled',
} as const;

/** Like Promise.all for two, but waits for both to settle before rejecting with the first failure. */
async function settleBoth<A, B>(promises: [Promise<A>, Promise<B>]): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled(promises);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

export async function redeemLeg(ctx: KoaContextWithOIDC, services: Services, facts: AuditFacts) {
  const { store } = services;
  // Runtime configuration (PROTOCOL §11): one in-process view for the whole request, no round trip.
  const tenancy = services.tenancy.view();
  const client = ctx.oidc.client!;
  // Refusals about made-up tickets go to the client's tenant's log (there is no other tenant).
  if (client.gatehouse_role === 'tenant') facts.tenant = String(client.gatehouse_tenant);
  const ticket = param(ctx, 'subject_token');

  const maxSession = tenancy.maxImpersonationSeconds;
  const presentation: Presentation = ticket && ticketShape.test(ticket) ? await presentTicket(store, ticket, maxSession + 300) : { kind: 'unknown' };
  if (presentation.kind === 'unknown') {
    // PROTOCOL §4: unknown tickets are limited per client. Only they are charged (one atomic
    // consume each), so a flood gets `points` refusals audited one by one and 429 after,
    // and the client's real tickets still redeem.
    const gate = await services.limiters.unknownTicketsPerClient.consume(client.clientId);
    if (!gate.allowed) throw new ImpersonationError('unknown_tickets_rate_limited', { retryAfter: gate.retryAfter });
    throw new ImpersonationError('ticket_invalid');
  }
  const record: TicketRecord = presentation.record;
  Object.assign(facts, { admin: record.actor, user: record.subject, tenant: record.tenant, reason: record.reason });
  const tenant = tenancy.tenant(record.tenant);

  if (presentation.kind === 'replay') {
    if (presentation.firstReplay) {
      await services.audit.append({ type: 'impersonation.ticket_replayed', outcome: 'failure', code: 'ticket_replayed', ...facts, sid: presentation.sid });
    }
    if (presentation.sid && tenant?.onReplay === 'revoke') {
      await endAndAudit(store, services.audit, presentation.sid, 'ticket_replayed', 'system', facts);
    }
    throw new ImpersonationError('ticket_replayed');
  }

  // Burned already (PROTOCOL §3.4): from here on every refusal leaves the ticket unusable.
  const requested = param(ctx, 'requested_token_type');
  if (requested && requested !== TOKEN_TYPE_ACCESS_TOKEN) throw new ImpersonationError('requested_token_type_unsupported');
  if (client.gatehouse_role !== 'tenant') throw new ImpersonationError('client_not_tenant');
  const clientTenant = tenancy.tenant(String(client.gatehouse_tenant));
  if (!tenant || client.gatehouse_tenant !== record.tenant || !clientTenant) throw new ImpersonationError('redeem_wrong_tenant');
  // PROTOCOL §11: a domain removed since the mint takes its outstanding tickets with it.
  if (!clientTenant.domains.includes(record.audience)) throw new ImpersonationError('audience_unverified');
  let session: ImpersonationSession | undefined;
  let accessToken: string;
  let audited = false;
  let replayed = false;
  const scope = record.scope.join(' ');
  try {
    // PROTOCOL §10.2: both accounts are re-read (one round trip); a disable since the mint
    // (even one undone by an enable) or a role removed since wins.
    const [adminFields, userFields] = await store.hashReads([adminStateRead(record.actor), userRead(record.subject)]);
    const user = activeUser(userFields, record.issuedAt);
    const refusal = accountsRefusal(activeAdminRoles(adminFields, record.issuedAt), user, record.tenant, coverageOf(tenancy.roles));
    if (refusal) throw new ImpersonationError(REDEEM_REFUSALS[refusal]);

    session = newSession({
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
    // The session is stored while its token is signed (the signature runs off the main
    // thread). Both settle before a failure of either is undone below (so the undo never
    // runs ahead of the record's write), before anything leaves this process.
    [, accessToken] = await settleBoth([
      saveSession(store, session, record.duration),
      mintJwtAccessToken(ctx, {
        accountId: record.subject,
        audience: record.audience,
        scope,
        expiresIn: record.duration,
        gty: GRANT_TYPE_TOKEN_EXCHANGE,
        claims: {
          act: { sub: record.actor },
          impersonation: { sid: session.sid, reason: record.reason, actor_display: actorDisplay(tenant, record), ...(record.approvedBy ? { approved_by: record.approvedBy } : {}) },
        },
      }),
    ]);
    // Set before the append: one that timed out may still have landed, and then its end
    // must be in the log too (an end without its start is harmless; the reverse is not).
    audited = true;
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
    ({ replayed } = await linkSession(store, presentation.ticketHash, session.sid, maxSession + 300));
  } catch (err) {
    // A refusal keeps the ticket burned (PROTOCOL §3.4).
    if (err instanceof ImpersonationError) throw err;
    // Not issued: the token is dead before anyone sees it. Nothing left this process, so
    // the session ends (audited when its start was) and the ticket goes back to the
    // tenant's retry: a 503 burns nothing.
    const started = session;
    const undo = !started
      ? undefined
      : audited
        ? () => endAndAudit(store, services.audit, started.sid, 'revoked', 'system', facts, 'redemption_failed')
        : () => endSession(store, started.sid, 'revoked');
    giveBackTicket(store, presentation.ticketHash, presentation.burn, undo);
    throw err;
  }
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
