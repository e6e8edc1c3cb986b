/**
 * Leg 2 (PROTOCOL §3.4): a tenant client of the ticket's tenant presents the ticket once
 * and receives the impersonation access token: an RFC 9068 JWT with `act` and
 * `impersonation`, no refresh token. The first presentation burns the ticket whatever
 * its outcome (a requested_token_type we do not issue included); any later one is a
 * replay that (tenant `onReplay: revoke`) ends the session. Both accounts are re-checked.
 *
 * One store round trip before the answer: the ticket opens here (it carries its record),
 * so the session, its audit event and the refusals that need no store are ready before the
 * step that claims the ticket and, unless refused, stores them with it; the token is
 * signed while that step runs, and goes out only once it has.
 */
import { actorDisplay } from '../impersonation/actor-display.js';
import { endAndAudit } from '../impersonation/end.js';
import { mayImpersonate } from '../impersonation/policy.js';
import { ImpersonationError, type ReasonCode } from '../impersonation/reasons.js';
import { isRevocationReason, type RevocationReason } from '../impersonation/revocations.js';
import { newSession, sessionWrites } from '../impersonation/sessions.js';
import { giveBackTicket, newBurnMark, type TicketRecord, ticketGuards, ticketStateKey } from '../impersonation/tickets.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN } from '../impersonation/token-types.js';
import { type KoaContextWithOIDC, mintJwtAccessToken } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { keys } from '../store/keys.js';
import type { TenancyView } from '../tenancy/index.js';
import { type AuditFacts, param } from './context.js';

/** A revocation since the mint (a marker the step found), as the redemption's refusal. */
const REDEEM_REFUSALS: Record<RevocationReason, ReasonCode> = {
  admin_disabled: 'ticket_admin_disabled',
  admin_role_removed: 'ticket_tenant_not_covered',
  user_disabled: 'ticket_subject_disabled',
};

type Client = NonNullable<KoaContextWithOIDC['oidc']['client']>;

/**
 * What refuses this presentation without a store read, in the order they are told: the
 * token type asked for, the client's role, its tenant, its domains (runtime configuration,
 * one in-process view). The step claims (burns) the ticket before a refusal is answered.
 */
function refusalBeforeClaim(ctx: KoaContextWithOIDC, tenancy: TenancyView, client: Client, record: TicketRecord): ReasonCode | undefined {
  const requested = param(ctx, 'requested_token_type');
  if (requested && requested !== TOKEN_TYPE_ACCESS_TOKEN) return 'requested_token_type_unsupported';
  if (client.gatehouse_role !== 'tenant') return 'client_not_tenant';
  const clientTenant = tenancy.tenant(String(client.gatehouse_tenant));
  if (!tenancy.tenant(record.tenant) || client.gatehouse_tenant !== record.tenant || !clientTenant) return 'redeem_wrong_tenant';
  // PROTOCOL §11: a domain removed since the mint takes its outstanding tickets with it.
  if (!clientTenant.domains.includes(record.audience)) return 'audience_unverified';
  return undefined;
}

export async function redeemLeg(ctx: KoaContextWithOIDC, services: Services, facts: AuditFacts) {
  const { store } = services;
  // Runtime configuration (PROTOCOL §11): one in-process view for the whole request, no round trip.
  const tenancy = services.tenancy.view();
  const client = ctx.oidc.client!;
  // Refusals about made-up tickets go to the client's tenant's log (there is no other tenant).
  if (client.gatehouse_role === 'tenant') facts.tenant = String(client.gatehouse_tenant);
  const ticket = param(ctx, 'subject_token');
  const record = ticket ? services.tickets.open(ticket) : null;
  if (!ticket || !record) return refuseUnknown(services, client);
  Object.assign(facts, { admin: record.actor, user: record.subject, tenant: record.tenant, reason: record.reason });
  const tenant = tenancy.tenant(record.tenant);

  const refusal = refusalBeforeClaim(ctx, tenancy, client, record);
  // PROTOCOL §10.2: the admin's roles at the mint must still cover the tenant (as roles are
  // configured now); a disable or lost coverage since is the step's guards' to find.
  const covered = mayImpersonate(record.actorRoles, tenancy.roles, record.tenant, record.subjectSensitive);
  const session = newSession({
    admin: record.actor,
    user: record.subject,
    tenant: record.tenant,
    audience: record.audience,
    client: client.clientId,
    reason: record.reason,
    scope: record.scope,
    duration: record.duration,
  });
  const started = services.audit.stage({
    type: 'impersonation.started',
    outcome: 'success',
    ...facts,
    sid: session.sid,
    details: {
      audience: record.audience,
      expiresAt: new Date(session.expiresAt).toISOString(),
      ...(record.actorEmail ? { adminEmail: record.actorEmail } : {}),
      ...(record.subjectEmail ? { userEmail: record.subjectEmail } : {}),
    },
  });
  const scope = record.scope.join(' ');
  // Signed while the step runs (off the main thread); used only if the step redeems.
  const signing =
    refusal || !covered || !tenant
      ? undefined
      : mintJwtAccessToken(ctx, {
          accountId: record.subject,
          audience: record.audience,
          scope,
          expiresIn: record.duration,
          gty: GRANT_TYPE_TOKEN_EXCHANGE,
          claims: {
            act: { sub: record.actor },
            impersonation: { sid: session.sid, reason: record.reason, actor_display: actorDisplay(tenant, record), ...(record.approvedBy ? { approved_by: record.approvedBy } : {}) },
          },
        });
  signing?.catch(() => undefined);

  const stateKey = ticketStateKey(record.tenant, ticket);
  const burn = newBurnMark();
  // Not issued unless answered: a failure after the step may have run ends its session (audited,
  // since its start was) and gives the ticket back to the tenant's retry, so a 503 burns nothing.
  const giveBack = () =>
    giveBackTicket(store, stateKey, burn, () => endAndAudit(store, services.audit, session.sid, 'revoked', 'system', facts, 'redemption_failed'));
  const maxSession = tenancy.maxImpersonationSeconds;
  const writes = sessionWrites(session, record.duration);
  let step: Awaited<ReturnType<typeof store.redeemTicket>>;
  try {
    step = await store.redeemTicket({
      key: stateKey,
      burn,
      rememberFor: maxSession + 300,
      ...(refusal ? { refusal } : {}),
      guards: ticketGuards(record),
      ...(covered ? {} : { refusalAfterGuards: 'ticket_tenant_not_covered' }),
      session: writes.session,
      indexes: writes.indexes,
      log: keys.auditLog(started.log),
      leaves: [started.leaf],
    });
    // A burn, a session or an event a failover could lose would undo what is answered.
    if (step.kind === 'redeemed' || step.kind === 'refused') await store.waitForReplicas(stateKey);
  } catch (err) {
    giveBack();
    throw err;
  }

  if (step.kind === 'unknown') return refuseUnknown(services, client);
  if (step.kind === 'replay') {
    if (step.firstReplay) {
      await services.audit.append({ type: 'impersonation.ticket_replayed', outcome: 'failure', code: 'ticket_replayed', ...facts, sid: step.sid });
    }
    if (step.sid && tenant?.onReplay === 'revoke') {
      await endAndAudit(store, services.audit, step.sid, 'ticket_replayed', 'system', facts);
    }
    throw new ImpersonationError('ticket_replayed');
  }
  // Burned (PROTOCOL §3.4): every refusal from here leaves the ticket unusable.
  if (step.kind === 'refused') throw new ImpersonationError(isRevocationReason(step.code) ? REDEEM_REFUSALS[step.code] : (step.code as ReasonCode));
  facts.sid = session.sid;
  services.audit.committed(started, step.index);
  let accessToken: string;
  try {
    accessToken = await signing!;
  } catch (err) {
    giveBack();
    throw err;
  }
  ctx.body = {
    access_token: accessToken,
    issued_token_type: TOKEN_TYPE_ACCESS_TOKEN,
    token_type: 'Bearer',
    expires_in: record.duration,
    scope,
  };
}

/**
 * PROTOCOL §4: unknown tickets are limited per client. Only they are charged (one atomic
 * consume each), so a flood gets `points` refusals audited one by one and 429 after, and
 * the client's real tickets still redeem.
 */
async function refuseUnknown(services: Services, client: Client): Promise<never> {
  const gate = await services.limiters.unknownTicketsPerClient.consume(client.clientId);
  if (!gate.allowed) throw new ImpersonationError('unknown_tickets_rate_limited', { retryAfter: gate.retryAfter });
  throw new ImpersonationError('ticket_invalid');
}
