/** What every tenancy operation works with, and the small helpers they share. */
import { createHash, randomBytes } from 'node:crypto';
import type { AuditEventInput } from '../audit/events.js';
import type { CommitDeps } from './commit.js';
import type { ConsequenceDeps } from './consequences.js';
import { TenancyError } from './errors.js';
import { auditedActor } from './rights.js';
import type { Actor, ClientRecord, DomainRecord, TenantRecord, Versioned } from './types.js';
import type { DomainVerifier } from './verification/index.js';
import type { TenancyView } from './view.js';

export interface TenancyContext extends CommitDeps, ConsequenceDeps {
  verifier: DomainVerifier;
  now(): number;
}

/** A configuration event for the system log (no `tenant` field: that would name the tenant's log). */
export function configEvent(type: AuditEventInput['type'], actor: Actor, details: Record<string, string | number | boolean>): AuditEventInput {
  const who = auditedActor(actor);
  return { ...who, type, outcome: 'success', details: { ...who.details, ...details } };
}

/** The most characters an event detail holds (audit/events.ts). */
const DETAIL_MAX = 2000;

/**
 * A list of ids as one event detail: comma-joined, or past the detail's bound the SHA-256
 * of that joined list (`sha256:<hex>`), which the stored records can be checked against.
 * Events that carry one carry its count too.
 */
export function listDetail(ids: readonly string[]): string {
  const joined = ids.join(',');
  return joined.length <= DETAIL_MAX ? joined : `sha256:${createHash('sha256').update(joined).digest('hex')}`;
}

export function tenantIn(view: TenancyView, id: string): Versioned<TenantRecord> {
  const found = view.records.tenants.get(id);
  if (!found) throw new TenancyError('not_found', `no tenant "${id}"`);
  return found;
}

/** A client that exists (a deleted one's tombstone does not). */
export function clientIn(view: TenancyView, clientId: string): Versioned<ClientRecord> {
  const found = view.records.clients.get(clientId);
  if (!found || found.record.deletedAt !== undefined) throw new TenancyError('not_found', `no client "${clientId}"`);
  return found;
}

/** The tenant's clients that exist. */
export const clientsOfTenant = (view: TenancyView, tenantId: string): ClientRecord[] =>
  [...view.records.clients.values()].map((c) => c.record).filter((c) => c.tenant === tenantId && c.deletedAt === undefined);

/** A domain's token: 192 bits, enough that nobody serves it by chance. */
export const newDomain = (origin: string, now: number, verifiedBy?: 'operator'): DomainRecord => ({
  origin,
  status: verifiedBy ? 'verified' : 'pending',
  token: randomBytes(24).toString('base64url'),
  addedAt: now,
  ...(verifiedBy ? { verifiedAt: now, verifiedBy } : {}),
});

/** JSON with object members in sorted order: two values are the same when these are. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v)) ?? 'undefined';
}

/** Names of the members whose values differ. */
export function changedFields<T extends object>(before: T, after: T, ignore: readonly string[] = []): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !ignore.includes(k) && canonical((before as Record<string, unknown>)[k]) !== canonical((after as Record<string, unknown>)[k]));
}
