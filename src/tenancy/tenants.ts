/**
 * Tenants at runtime (PROTOCOL §11): created, read, listed, updated (a JSON merge patch
 * against the ETag the caller read), disabled and enabled. A change to what protects the
 * tenant's users is also `tenant.protection_changed` in the tenant's own log.
 */
import { SYSTEM_LOG } from '../audit/events.js';
import type { TenantSettings } from '../config/schema.js';
import { checkIfMatch, mutate } from './commit.js';
import { endTenantSessions } from './consequences.js';
import { changedFields, clientsOfTenant, configEvent, newDomain, type TenancyContext, tenantIn } from './context.js';
import { TenancyError } from './errors.js';
import { checkPatch, mergePatch, parseInput, tenantCreateSchema, tenantSettingsStrict } from './input.js';
import { protectionEvent, protectionsOf } from './protection.js';
import { assertRight } from './rights.js';
import type { Actor, TenantRecord, Versioned } from './types.js';
import { domainHost } from './view.js';

/** The members a tenant update may change: every setting but its id. */
export const TENANT_PATCHABLE = Object.keys(tenantSettingsStrict.shape).filter((k) => k !== 'id');

export function settingsOf(record: TenantRecord): TenantSettings {
  const { domains: _d, disabled: _x, createdAt: _c, updatedAt: _u, ...settings } = record;
  return settings;
}

export async function createTenant(ctx: TenancyContext, actor: Actor, input: unknown): Promise<Versioned<TenantRecord>> {
  assertRight(actor, 'manage:tenants', ctx.sync.view().roles);
  const parsed = parseInput(tenantCreateSchema, input);
  if (parsed.id === SYSTEM_LOG) throw new TenancyError('reserved_id', `"${SYSTEM_LOG}" names the audit log of events without a tenant`);
  const hosts = parsed.domains.map(domainHost);
  if (new Set(hosts).size !== hosts.length) throw new TenancyError('body_invalid', 'a host is listed twice', [{ path: 'domains', message: 'a host is listed twice' }]);
  return mutate(ctx, (view) => {
    if (view.records.tenants.has(parsed.id)) throw new TenancyError('tenant_exists', `a tenant "${parsed.id}" exists`);
    const taken = hosts.find((h) => view.records.domains.has(h));
    if (taken) throw new TenancyError('domain_taken', `${taken} belongs to another tenant`);
    const now = ctx.now();
    const { domains, ...settings } = parsed;
    const record: TenantRecord = { ...settings, domains: domains.map((o) => newDomain(o, now)), disabled: false, createdAt: now, updatedAt: now };
    return {
      records: [
        { kind: 'tenant', id: record.id, rev: null, before: null, after: record },
        ...hosts.map((h) => ({ kind: 'domain' as const, id: h, rev: null, before: null, after: { tenant: record.id } })),
      ],
      // The system log records the tenant's first settings; its own log records every change from here on.
      events: [configEvent('tenancy.tenant_created', actor, { tenant: record.id, consent: record.consent, domains: hosts.length })],
      result: (version) => ({ rev: version, record }),
    };
  });
}

export async function getTenant(ctx: TenancyContext, actor: Actor, id: string): Promise<Versioned<TenantRecord>> {
  assertRight(actor, 'read:tenants', ctx.sync.view().roles);
  return tenantIn(await ctx.sync.refresh(), id);
}

/** Tenants by id, `limit` at a time after the id `after`; `next` names where the next page starts. */
export async function listTenants(ctx: TenancyContext, actor: Actor, page: { after?: string; limit: number }) {
  assertRight(actor, 'read:tenants', ctx.sync.view().roles);
  const view = await ctx.sync.refresh();
  const ids = [...view.records.tenants.keys()].sort().filter((id) => page.after === undefined || id > page.after);
  const items = ids.slice(0, page.limit).map((id) => view.records.tenants.get(id)!);
  return { items, ...(ids.length > page.limit ? { next: items.at(-1)!.record.id } : {}) };
}

export async function updateTenant(ctx: TenancyContext, actor: Actor, id: string, patch: unknown, ifMatch: number): Promise<Versioned<TenantRecord>> {
  assertRight(actor, 'manage:tenants', ctx.sync.view().roles);
  const members = checkPatch(patch, TENANT_PATCHABLE);
  return mutate(
    ctx,
    (view) => {
      const current = tenantIn(view, id);
      checkIfMatch(view, { kind: 'tenant', id, rev: ifMatch });
      const before = settingsOf(current.record);
      const after = parseInput(tenantSettingsStrict, mergePatch(before, members)) as TenantSettings;
      const changed = changedFields(before, after);
      if (changed.length === 0) return { noop: true, records: [], events: [], result: () => current };
      const record: TenantRecord = { ...current.record, ...after, updatedAt: ctx.now() };
      const clients = clientsOfTenant(view, id);
      const protection = protectionEvent(id, protectionsOf(current.record, clients), protectionsOf(record, clients)!, actor);
      return {
        records: [{ kind: 'tenant', id, rev: current.rev, before: current.record, after: record }],
        events: [configEvent('tenancy.tenant_updated', actor, { tenant: id, changed: changed.join(',') }), ...(protection ? [protection] : [])],
        result: (version) => ({ rev: version, record }),
      };
    },
    { ifMatch: { kind: 'tenant', id, rev: ifMatch } },
  );
}

/**
 * Disabling a tenant stops it at once: its clients no longer authenticate, its domains are no
 * audience, and its live impersonation sessions end (their back-channel logouts sent).
 */
export async function setTenantDisabled(ctx: TenancyContext, actor: Actor, id: string, disabled: boolean, ifMatch?: number) {
  assertRight(actor, 'manage:tenants', ctx.sync.view().roles);
  const match = ifMatch === undefined ? undefined : { kind: 'tenant' as const, id, rev: ifMatch };
  const tenant = await mutate(
    ctx,
    (view) => {
      const current = tenantIn(view, id);
      checkIfMatch(view, match);
      if (current.record.disabled === disabled) return { noop: true, records: [], events: [], result: () => current };
      const record: TenantRecord = { ...current.record, disabled, updatedAt: ctx.now() };
      return {
        records: [{ kind: 'tenant', id, rev: current.rev, before: current.record, after: record }],
        events: [configEvent(disabled ? 'tenancy.tenant_disabled' : 'tenancy.tenant_enabled', actor, { tenant: id })],
        result: (version) => ({ rev: version, record }),
      };
    },
    match ? { ifMatch: match } : {},
  );
  const sessionsEnded = disabled ? await endTenantSessions(ctx, id, 'tenant_disabled', actor) : 0;
  return { tenant, sessionsEnded };
}
