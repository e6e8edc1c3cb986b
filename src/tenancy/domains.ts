/**
 * A tenant's custom domains (PROTOCOL §11): added as `pending`, verified when their owner
 * proves control (HTTP token or DNS TXT), removed. Only verified domains are audiences,
 * redeem targets and places for a client's URIs, so verifying and removing one changes the
 * tenant's protections (its log says so). A host belongs to one tenant at a time.
 */
import { checkIfMatch, mutate, type RecordChange } from './commit.js';
import { endTenantSessions } from './consequences.js';
import { clientsOfTenant, configEvent, listDetail, newDomain, type TenancyContext, tenantIn } from './context.js';
import { TenancyError } from './errors.js';
import { domainInputSchema, MAX_DOMAINS, parseInput, verifyInputSchema } from './input.js';
import { protectionEvent, protectionsOf } from './protection.js';
import { assertRight } from './rights.js';
import type { Actor, ClientRecord, DomainRecord, TenantRecord, Versioned } from './types.js';
import { domainHost, type TenancyView } from './view.js';

export interface DomainResult {
  tenant: Versioned<TenantRecord>;
  domain: DomainRecord;
}

function domainIn(tenant: TenantRecord, host: string): DomainRecord {
  const domain = tenant.domains.find((d) => domainHost(d.origin) === host.toLowerCase());
  if (!domain) throw new TenancyError('not_found', `tenant "${tenant.id}" has no domain ${host}`);
  return domain;
}

export async function addDomain(ctx: TenancyContext, actor: Actor, tenantId: string, input: unknown): Promise<DomainResult> {
  assertRight(actor, 'manage:tenants', ctx.sync.view().roles);
  const { origin } = parseInput(domainInputSchema, input);
  const host = domainHost(origin);
  return mutate(ctx, (view) => {
    const current = tenantIn(view, tenantId);
    if (current.record.domains.some((d) => domainHost(d.origin) === host)) throw new TenancyError('domain_exists', `tenant "${tenantId}" has ${host} already`);
    if (view.records.domains.has(host)) throw new TenancyError('domain_taken', `${host} belongs to another tenant`);
    if (current.record.domains.length >= MAX_DOMAINS) throw new TenancyError('body_invalid', `a tenant holds at most ${MAX_DOMAINS} domains`, [{ path: 'origin', message: 'too many domains' }]);
    const domain = newDomain(origin, ctx.now());
    const record: TenantRecord = { ...current.record, domains: [...current.record.domains, domain], updatedAt: ctx.now() };
    return {
      records: [
        { kind: 'tenant', id: tenantId, rev: current.rev, before: current.record, after: record },
        { kind: 'domain', id: host, rev: null, before: null, after: { tenant: tenantId } },
      ],
      events: [configEvent('tenancy.domain_added', actor, { tenant: tenantId, origin })],
      result: (version) => ({ tenant: { rev: version, record }, domain }),
    };
  });
}

/**
 * Checks the proof first (outside any lock: it talks to the domain), then marks the domain
 * verified if it is still the same pending domain with the same token.
 */
export async function verifyDomain(ctx: TenancyContext, actor: Actor, tenantId: string, host: string, input: unknown = {}): Promise<DomainResult> {
  assertRight(actor, 'manage:tenants', ctx.sync.view().roles);
  const { method } = parseInput(verifyInputSchema, input ?? {});
  const checked = domainIn(tenantIn(await ctx.sync.refresh(), tenantId).record, host);
  if (checked.status === 'verified') return { tenant: tenantIn(ctx.sync.view(), tenantId), domain: checked };
  await ctx.verifier.verify(checked.origin, checked.token, method);
  return mutate(ctx, (view) => {
    const current = tenantIn(view, tenantId);
    const domain = domainIn(current.record, host);
    if (domain.status === 'verified') return { noop: true, records: [], events: [], result: () => ({ tenant: current, domain }) };
    if (domain.token !== checked.token) throw new TenancyError('config_changed', 'the domain was removed and added again meanwhile; verify it again');
    const now = ctx.now();
    const verified: DomainRecord = { ...domain, status: 'verified', verifiedAt: now, verifiedBy: method };
    const record: TenantRecord = { ...current.record, domains: current.record.domains.map((d) => (d === domain ? verified : d)), updatedAt: now };
    const clients = clientsOfTenant(view, tenantId);
    const protection = protectionEvent(tenantId, protectionsOf(current.record, clients), protectionsOf(record, clients)!, actor);
    return {
      records: [{ kind: 'tenant', id: tenantId, rev: current.rev, before: current.record, after: record }],
      events: [configEvent('tenancy.domain_verified', actor, { tenant: tenantId, origin: domain.origin, method }), ...(protection ? [protection] : [])],
      result: (version) => ({ tenant: { rev: version, record }, domain: verified }),
    };
  });
}

/** The client with every URI on `origins` taken out, or undefined when it has none there. */
export function withoutOrigins(client: ClientRecord, origins: ReadonlySet<string>, now: number): ClientRecord | undefined {
  const on = (uri: string) => origins.has(new URL(uri).origin);
  const after: ClientRecord = {
    ...client,
    redirectUris: client.redirectUris.filter((u) => !on(u)),
    postLogoutRedirectUris: client.postLogoutRedirectUris.filter((u) => !on(u)),
    updatedAt: now,
  };
  if (client.backchannelLogoutUri && on(client.backchannelLogoutUri)) delete after.backchannelLogoutUri;
  const touched = after.redirectUris.length !== client.redirectUris.length || after.postLogoutRedirectUris.length !== client.postLogoutRedirectUris.length || !after.backchannelLogoutUri !== !client.backchannelLogoutUri;
  return touched ? after : undefined;
}

/** The tenant's clients with every URI on `origin` taken out: a removed domain receives nothing. */
function clientsWithout(view: TenancyView, tenantId: string, origin: string, now: number): RecordChange[] {
  return clientsOfTenant(view, tenantId).flatMap((client) => {
    const after = withoutOrigins(client, new Set([origin]), now);
    return after ? [{ kind: 'client' as const, id: client.clientId, rev: view.records.clients.get(client.clientId)!.rev, before: client, after }] : [];
  });
}

/**
 * Removes a domain: at once no ticket is minted for it, an outstanding one fails at
 * redemption, the tenant's clients lose their URIs on it, and live sessions on it end.
 */
export async function removeDomain(ctx: TenancyContext, actor: Actor, tenantId: string, host: string, ifMatch?: number) {
  assertRight(actor, 'manage:tenants', ctx.sync.view().roles);
  const match = ifMatch === undefined ? undefined : { kind: 'tenant' as const, id: tenantId, rev: ifMatch };
  const removed = await mutate(
    ctx,
    (view) => {
      const current = tenantIn(view, tenantId);
      checkIfMatch(view, match);
      const domain = domainIn(current.record, host);
      const now = ctx.now();
      const record: TenantRecord = { ...current.record, domains: current.record.domains.filter((d) => d !== domain), updatedAt: now };
      const key = domainHost(domain.origin);
      const clients = clientsWithout(view, tenantId, domain.origin, now);
      const protection = protectionEvent(tenantId, protectionsOf(current.record, clientsOfTenant(view, tenantId)), protectionsOf(record, clientsOfTenant(view, tenantId))!, actor);
      return {
        records: [
          { kind: 'tenant', id: tenantId, rev: current.rev, before: current.record, after: record },
          { kind: 'domain', id: key, rev: view.records.domains.get(key)?.rev ?? null, before: view.records.domains.get(key)?.record ?? null, after: null },
          ...clients,
        ],
        events: [
          configEvent('tenancy.domain_removed', actor, { tenant: tenantId, origin: domain.origin, clientsChanged: listDetail(clients.map((c) => c.id)), clientsChangedCount: clients.length }),
          ...(protection ? [protection] : []),
        ],
        result: (version) => ({ tenant: { rev: version, record } as Versioned<TenantRecord>, domain, clientsChanged: clients.map((c) => c.id) }),
      };
    },
    match ? { ifMatch: match } : {},
  );
  const sessionsEnded =
    removed.domain.status === 'verified' ? await endTenantSessions(ctx, tenantId, 'domain_removed', actor, (s) => s.audience === removed.domain.origin) : 0;
  return { ...removed, sessionsEnded };
}
