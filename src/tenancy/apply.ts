/**
 * `gatehouse config apply FILE` (PROTOCOL §11): makes the store match the tenants, clients
 * and roles a config file declares, in one atomic commit, and says what it changed. It is
 * idempotent (a second run changes nothing), and it never removes what the file does not
 * name unless asked to prune (tenants are then disabled, never deleted: their logs stay).
 * Domains the operator declares count as verified. A client the file lists without a
 * secret keeps the one it has, and a tenant disabled at runtime stays disabled: a file can
 * say neither. What it removes ends what depended on it (PROTOCOL §11): the sessions of a
 * tenant it disables, of a client it deletes, on a verified domain it drops. The same plan
 * seeds an empty store at the first start, so `npm start` with the dev file keeps working
 * as it always did.
 */
import type { AuditEventInput } from '../audit/events.js';
import type { ClientConfig, RoleConfig, TenantConfig } from '../config/schema.js';
import { mutate, type RecordChange } from './commit.js';
import { endTenantSessions, endUncoveredSessions, roleNarrowed } from './consequences.js';
import { canonical, changedFields, clientsOfTenant, configEvent, newDomain, type TenancyContext } from './context.js';
import { withoutOrigins } from './domains.js';
import { TenancyError } from './errors.js';
import { protectionEvent, protectionsOf } from './protection.js';
import { hashSecret } from './secrets.js';
import type { Actor, ClientRecord, DomainRecord, TenantRecord } from './types.js';
import { domainHost, type TenancyView } from './view.js';

export interface Declared {
  tenants: readonly TenantConfig[];
  clients: readonly ClientConfig[];
  roles: readonly RoleConfig[];
}

export interface ApplyOptions {
  /** Also disable tenants, remove domains, delete clients and roles the file does not name. */
  prune?: boolean;
  /** Say what would change; change nothing. */
  dryRun?: boolean;
}

export interface ApplyResult {
  /** One line per changed resource: `+ tenant initrode`, `~ tenant acme: consent "none" → "approval"`. */
  changes: string[];
  applied: boolean;
  version: number;
  sessionsEnded: number;
}

const STAMPS = ['createdAt', 'updatedAt'];
const short = (v: unknown) => {
  const text = canonical(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function tenantRecord(t: TenantConfig, existing: TenantRecord | undefined, prune: boolean, now: number): TenantRecord {
  const { domains, ...settings } = t;
  const declared = domains.map((origin): DomainRecord => {
    const had = existing?.domains.find((d) => domainHost(d.origin) === domainHost(origin));
    if (had && had.origin === origin && had.status === 'verified') return had;
    return { ...newDomain(origin, now, 'operator'), ...(had ? { token: had.token, addedAt: had.addedAt } : {}) };
  });
  const hosts = new Set(domains.map(domainHost));
  const kept = prune ? [] : (existing?.domains ?? []).filter((d) => !hosts.has(domainHost(d.origin)));
  // A file cannot say "disabled": a tenant disabled at runtime stays so until enabled.
  return { ...settings, domains: [...declared, ...kept], disabled: existing?.disabled ?? false, createdAt: existing?.createdAt ?? now, updatedAt: now };
}

/**
 * The client the file declares. Without `clientSecret` it keeps the secrets it has (one
 * generated at runtime is shown once: no file can hold it); a new one is then public.
 */
function clientRecord(c: ClientConfig, existing: ClientRecord | undefined, now: number): ClientRecord {
  const { clientSecret, ...fields } = c;
  const live = existing && existing.deletedAt === undefined ? existing : undefined;
  const current = live?.secrets.find((s) => s.expiresAt === undefined);
  const kept = clientSecret === undefined || current?.hash === hashSecret(clientSecret);
  const secrets = kept ? (live?.secrets ?? []) : [{ hash: hashSecret(clientSecret), createdAt: now }];
  return { ...fields, secrets, createdAt: live?.createdAt ?? now, updatedAt: now };
}

function describeTenant(before: TenantRecord, after: TenantRecord): string {
  const parts = changedFields(before, after, [...STAMPS, 'domains']).map((k) => `${k} ${short(before[k as keyof TenantRecord])} → ${short(after[k as keyof TenantRecord])}`);
  const state = (d: DomainRecord | undefined) => (d ? `${d.origin} ${d.status}` : undefined);
  const hosts = new Set([...before.domains, ...after.domains].map((d) => domainHost(d.origin)));
  for (const host of hosts) {
    const [was, is] = [before.domains.find((d) => domainHost(d.origin) === host), after.domains.find((d) => domainHost(d.origin) === host)];
    if (state(was) !== state(is)) parts.push(`domain ${state(was) ?? '(none)'} → ${state(is) ?? '(removed)'}`);
  }
  if (before.disabled !== after.disabled) parts.push(after.disabled ? 'disabled' : 'enabled');
  return parts.join('; ');
}

/** The plan: every record that changes, the lines saying so, the events, and what to end after. */
function plan(view: TenancyView, declared: Declared, prune: boolean, now: number, actor: Actor) {
  const records: RecordChange[] = [];
  const changes: string[] = [];
  const events: AuditEventInput[] = [];
  const afterTenants = new Map<string, TenantRecord>([...view.records.tenants].map(([id, v]) => [id, v.record]));
  const afterClients = new Map<string, ClientRecord>([...view.records.clients].map(([id, v]) => [id, v.record]));
  const disabledTenants: string[] = [];
  const deletedClients: ClientRecord[] = [];
  const rolesTouched: { name: string; narrowed: boolean }[] = [];
  const write = (kind: RecordChange['kind'], id: string, before: unknown, after: unknown, rev: number | null) => records.push({ kind, id, rev, before, after });
  const revOf = (map: ReadonlyMap<string, { rev: number }>, id: string) => map.get(id)?.rev ?? null;

  // Tenants, then which tenant holds each host afterwards.
  for (const t of declared.tenants) {
    const existing = view.records.tenants.get(t.id)?.record;
    const desired = tenantRecord(t, existing, prune, now);
    afterTenants.set(t.id, desired);
    if (!existing) changes.push(`+ tenant ${t.id}`);
    else if (changedFields(existing, desired, STAMPS).length) changes.push(`~ tenant ${t.id}: ${describeTenant(existing, desired)}`);
    else afterTenants.set(t.id, existing);
  }
  if (prune) {
    for (const [id, { record }] of view.records.tenants) {
      if (declared.tenants.some((t) => t.id === id) || record.disabled) continue;
      afterTenants.set(id, { ...record, disabled: true, updatedAt: now });
      disabledTenants.push(id);
      changes.push(`- tenant ${id} (disabled; its records and audit log stay)`);
    }
  }
  const holders = new Map<string, string>();
  for (const [id, record] of afterTenants) {
    for (const d of record.domains) {
      const host = domainHost(d.origin);
      const other = holders.get(host);
      if (other && other !== id) throw new TenancyError('domain_taken', `${host} would belong to tenants "${other}" and "${id}"; remove it from one of them${prune ? '' : ' (or apply with --prune)'}`);
      holders.set(host, id);
    }
  }
  for (const [id, record] of afterTenants) {
    const before = view.records.tenants.get(id);
    if (before?.record !== record) write('tenant', id, before?.record ?? null, record, before?.rev ?? null);
  }
  const droppedOrigins = droppedVerifiedOrigins(view, afterTenants);
  for (const [host, tenant] of holders) if (view.records.domains.get(host)?.record.tenant !== tenant) write('domain', host, view.records.domains.get(host)?.record ?? null, { tenant }, revOf(view.records.domains, host));
  for (const [host, v] of view.records.domains) if (!holders.has(host)) write('domain', host, v.record, null, v.rev);

  // Clients.
  for (const c of declared.clients) {
    const existing = view.records.clients.get(c.clientId)?.record;
    const live = existing && existing.deletedAt === undefined ? existing : undefined;
    const desired = clientRecord(c, existing, now);
    const tenant = c.tenant ? afterTenants.get(c.tenant) : undefined;
    const verified = new Set(tenant?.domains.filter((d) => d.status === 'verified').map((d) => d.origin));
    const off = c.role === 'tenant' ? [...c.redirectUris, ...c.postLogoutRedirectUris, ...(c.backchannelLogoutUri ? [c.backchannelLogoutUri] : [])].filter((u) => !verified.has(new URL(u).origin)) : [];
    if (off.length) throw new TenancyError('uri_not_on_verified_domain', `client "${c.clientId}": ${off.join(', ')} not on a domain of tenant "${c.tenant}"`);
    const changed = live ? changedFields(live, desired, STAMPS) : ['(new)'];
    if (changed.length === 0) continue;
    afterClients.set(c.clientId, desired);
    write('client', c.clientId, existing ?? null, desired, revOf(view.records.clients, c.clientId));
    if (live) {
      const described = changed.map((k) => (k === 'secrets' ? 'secret replaced' : `${k} ${short(live[k as keyof ClientRecord])} → ${short(desired[k as keyof ClientRecord])}`));
      changes.push(`~ client ${c.clientId}: ${described.join('; ')}`);
    } else {
      changes.push(`+ client ${c.clientId}${c.tenant ? ` (tenant ${c.tenant})` : ` (${c.role})`}`);
    }
    events.push(configEvent(live ? 'tenancy.client_updated' : 'tenancy.client_created', actor, { clientId: c.clientId, role: c.role, ...(c.tenant ? { tenant: c.tenant } : {}), ...(live ? { changed: changed.join(',') } : {}) }));
  }
  // Without --prune the clients the file does not list stay; a domain it moved to another
  // scheme takes its old origin's URIs from them, as removing the domain does.
  if (!prune) {
    for (const [id, origins] of droppedOrigins) {
      for (const client of clientsOfTenant(view, id)) {
        if (declared.clients.some((c) => c.clientId === client.clientId)) continue;
        const after = withoutOrigins(client, origins, now);
        if (!after) continue;
        afterClients.set(client.clientId, after);
        write('client', client.clientId, client, after, revOf(view.records.clients, client.clientId));
        changes.push(`~ client ${client.clientId}: URIs on ${[...origins].join(', ')} removed`);
        events.push(configEvent('tenancy.client_updated', actor, { clientId: client.clientId, role: client.role, tenant: id, changed: changedFields(client, after, STAMPS).join(',') }));
      }
    }
  }
  if (prune) {
    for (const [id, { record, rev }] of view.records.clients) {
      if (record.deletedAt !== undefined || declared.clients.some((c) => c.clientId === id)) continue;
      const tombstone: ClientRecord = { ...record, secrets: [], deletedAt: now, updatedAt: now };
      afterClients.set(id, tombstone);
      deletedClients.push(record);
      write('client', id, record, tombstone, rev);
      changes.push(`- client ${id}`);
      events.push(configEvent('tenancy.client_deleted', actor, { clientId: id, ...(record.tenant ? { tenant: record.tenant } : {}) }));
    }
  }

  // Roles.
  for (const r of declared.roles) {
    const existing = view.records.roles.get(r.name);
    const changed = existing ? changedFields(existing.record, r) : ['(new)'];
    if (changed.length === 0) continue;
    write('role', r.name, existing?.record ?? null, r, existing?.rev ?? null);
    rolesTouched.push({ name: r.name, narrowed: roleNarrowed(existing?.record, r) });
    changes.push(existing ? `~ role ${r.name}: ${changed.map((k) => `${k} ${short(existing.record[k as keyof RoleConfig])} → ${short(r[k as keyof RoleConfig])}`).join('; ')}` : `+ role ${r.name}`);
    events.push(configEvent(existing ? 'tenancy.role_updated' : 'tenancy.role_created', actor, { role: r.name }));
  }
  if (prune) {
    for (const [name, { record, rev }] of view.records.roles) {
      if (declared.roles.some((r) => r.name === name)) continue;
      write('role', name, record, null, rev);
      rolesTouched.push({ name, narrowed: true });
      changes.push(`- role ${name}`);
      events.push(configEvent('tenancy.role_deleted', actor, { role: name }));
    }
  }

  // Tenants' events last: each tenant's record, then its protections as its log sees them.
  for (const [id, after] of afterTenants) {
    const before = view.records.tenants.get(id)?.record;
    if (before !== after) {
      const type = !before ? 'tenancy.tenant_created' : after.disabled && !before.disabled ? 'tenancy.tenant_disabled' : 'tenancy.tenant_updated';
      events.unshift(configEvent(type, actor, { tenant: id, ...(before ? { changed: changedFields(before, after, STAMPS).join(',') } : { consent: after.consent }) }));
    }
    // A new tenant's first settings are in the system log's event; its own log records changes.
    if (!before) continue;
    const clientsBefore = [...view.records.clients.values()].map((c) => c.record);
    const protection = protectionEvent(id, protectionsOf(before, clientsBefore), protectionsOf(after, afterClients.values())!, actor);
    if (protection) events.push(protection);
  }
  return { records, changes, events, disabledTenants, droppedOrigins, deletedClients, rolesTouched };
}

/**
 * Per enabled tenant, the verified origins it had and has no more (dropped by `--prune`, or
 * replaced by the same host on another scheme): the sessions on them end, as removeDomain's.
 * A tenant disabled ends all its sessions anyway.
 */
function droppedVerifiedOrigins(view: TenancyView, afterTenants: ReadonlyMap<string, TenantRecord>): Map<string, Set<string>> {
  const dropped = new Map<string, Set<string>>();
  for (const [id, after] of afterTenants) {
    const before = view.records.tenants.get(id)?.record;
    if (!before || before === after || after.disabled) continue;
    const verified = (t: TenantRecord) => t.domains.filter((d) => d.status === 'verified').map((d) => d.origin);
    const still = new Set(verified(after));
    const gone = verified(before).filter((o) => !still.has(o));
    if (gone.length) dropped.set(id, new Set(gone));
  }
  return dropped;
}

export async function applyDeclared(ctx: TenancyContext, actor: Actor, declared: Declared, options: ApplyOptions = {}): Promise<ApplyResult> {
  const prune = options.prune ?? false;
  let planned: ReturnType<typeof plan> | undefined;
  if (options.dryRun) {
    const view = await ctx.sync.refresh();
    planned = plan(view, declared, prune, ctx.now(), actor);
    return { changes: planned.changes, applied: false, version: view.version, sessionsEnded: 0 };
  }
  const version = await mutate(ctx, (view) => {
    planned = plan(view, declared, prune, ctx.now(), actor);
    return { records: planned.records, events: planned.events, expectVersion: view.version, result: (v) => v };
  });
  const done = planned!;
  let sessionsEnded = 0;
  for (const id of done.disabledTenants) sessionsEnded += await endTenantSessions(ctx, id, 'tenant_disabled', actor);
  for (const [id, origins] of done.droppedOrigins) sessionsEnded += await endTenantSessions(ctx, id, 'domain_removed', actor, (s) => origins.has(s.audience));
  for (const c of done.deletedClients) if (c.tenant) sessionsEnded += await endTenantSessions(ctx, c.tenant, 'client_removed', actor, (s) => s.client === c.clientId);
  for (const { name, narrowed } of done.rolesTouched) sessionsEnded += await endUncoveredSessions(ctx, name, ctx.sync.view().roles, ctx.sync.view().tenantIds, actor, narrowed);
  return { changes: done.changes, applied: done.records.length > 0, version, sessionsEnded };
}

/**
 * The first start on an empty store applies the config file (PROTOCOL §11). Instances
 * starting together race on the version being 0: one applies, the others read its result.
 */
export async function bootstrap(ctx: TenancyContext, declared: Declared): Promise<ApplyResult | null> {
  let planned: ReturnType<typeof plan> | undefined;
  const actor: Actor = { kind: 'startup' };
  const version = await mutate(ctx, (view) => {
    planned = undefined;
    if (view.version > 0) return { noop: true, records: [], events: [], result: () => view.version };
    planned = plan(view, declared, false, ctx.now(), actor);
    return { records: planned.records, events: planned.events, expectVersion: 0, result: (v) => v };
  });
  return planned ? { changes: planned.changes, applied: planned.records.length > 0, version, sessionsEnded: 0 } : null;
}
