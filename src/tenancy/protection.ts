/**
 * What protects a tenant's users (PROTOCOL §11): a change to any of it is written to that
 * tenant's own transparency log as `tenant.protection_changed`, with before and after, so a
 * tenant reading its log through `audit:read` can prove no downgrade happened without its
 * knowledge. `ticketDelivery` is among them too: `query` puts tickets in URLs.
 */
import { createHash } from 'node:crypto';
import type { AuditEventInput } from '../audit/events.js';
import { GRANT_TYPE_TOKEN_EXCHANGE } from '../impersonation/token-types.js';
import { auditedActor } from './rights.js';
import type { Actor, ClientRecord, TenantRecord } from './types.js';

export interface Protections {
  consent: string;
  approvers: string[];
  requireSecondAdmin: boolean;
  impersonation: { maxSeconds: number; defaultSeconds: number; scopes: string[] };
  onReplay: string;
  ticketDelivery: string;
  /** Verified domains: where tickets may be minted for and redeemed. */
  domains: string[];
  /** Tenant clients that may redeem tickets (token exchange among their grant types). */
  redeemingClients: string[];
}

export const mayRedeem = (c: Pick<ClientRecord, 'grantTypes' | 'role' | 'deletedAt'>) =>
  c.role === 'tenant' && c.deletedAt === undefined && c.grantTypes.includes(GRANT_TYPE_TOKEN_EXCHANGE);

/** A tenant's protections, from its record and its clients' (null: the tenant does not exist). */
export function protectionsOf(tenant: TenantRecord | undefined, clients: Iterable<ClientRecord>): Protections | null {
  if (!tenant) return null;
  const redeeming = [...clients].filter((c) => c.tenant === tenant.id && mayRedeem(c)).map((c) => c.clientId);
  return {
    consent: tenant.consent,
    approvers: [...tenant.approvers].sort(),
    requireSecondAdmin: tenant.requireSecondAdmin,
    impersonation: { maxSeconds: tenant.impersonation.maxSeconds, defaultSeconds: tenant.impersonation.defaultSeconds, scopes: [...tenant.impersonation.scopes] },
    onReplay: tenant.onReplay,
    ticketDelivery: tenant.ticketDelivery,
    domains: tenant.domains.filter((d) => d.status === 'verified').map((d) => d.origin).sort(),
    redeemingClients: redeeming.sort(),
  };
}

/** An event detail holds at most 2000 characters; a longer value is named by its digest. */
function detailValue(value: unknown): string {
  const json = JSON.stringify(value);
  return json.length <= 2000 ? json : `sha256:${createHash('sha256').update(json).digest('hex')}`;
}

/**
 * The `tenant.protection_changed` event for a change from `before` to `after`, or null when
 * no protection changed. Each changed protection is a
 * `before.<name>` / `after.<name>` pair of JSON values in the event's details.
 */
export function protectionEvent(tenantId: string, before: Protections | null, after: Protections, actor: Actor): AuditEventInput | null {
  if (!before) return null;
  const names = (Object.keys(after) as (keyof Protections)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (names.length === 0) return null;
  const who = auditedActor(actor);
  const details: Record<string, string> = { ...who.details, changed: names.join(',') };
  for (const name of names) {
    details[`before.${name}`] = detailValue(before[name]);
    details[`after.${name}`] = detailValue(after[name]);
  }
  return { ...who, type: 'tenant.protection_changed', outcome: 'success', tenant: tenantId, details };
}
