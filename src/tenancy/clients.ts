/**
 * Clients at runtime (PROTOCOL §11). Gatehouse generates every secret (256 bits), shows it
 * once and keeps its hash; a rotation keeps the previous one working for an overlap. A
 * tenant client's redirect, post-logout and back-channel URIs must be on its tenant's
 * verified domains; a public one (only a config file declares one) gains no client
 * credentials or token exchange grant. The management API and the console create and change
 * tenant clients only: a console or management client (which may mint, or manage) comes from
 * the CLI or the config file. Deleting a client ends its live sessions and makes its tokens
 * inactive.
 */
import { secretNeed } from '../config/schema.js';
import { checkIfMatch, mutate } from './commit.js';
import { endTenantSessions } from './consequences.js';
import { changedFields, clientIn, clientsOfTenant, configEvent, type TenancyContext, tenantIn } from './context.js';
import { type FieldIssue, TenancyError } from './errors.js';
import { CLIENT_PATCHABLE, checkPatch, clientChecked, clientCreateChecked, clientCreateSchema, mergePatch, parseInput, rotateInputSchema } from './input.js';
import { mayRedeem, protectionEvent, protectionsOf } from './protection.js';
import { assertRight } from './rights.js';
import { DEFAULT_SECRET_OVERLAP_SECONDS, generateSecret, hashSecret, rotateSecrets } from './secrets.js';
import type { Actor, ClientRecord, TenantRecord, Versioned } from './types.js';
import type { TenancyView } from './view.js';

type ClientFields = Omit<ClientRecord, 'secrets' | 'createdAt' | 'updatedAt' | 'deletedAt'>;

export interface ClientWithSecret {
  client: Versioned<ClientRecord>;
  /** Shown once: only its hash is kept. */
  secret: string;
}

function fieldsOf(record: ClientRecord): ClientFields {
  const { secrets: _s, createdAt: _c, updatedAt: _u, deletedAt: _d, ...fields } = record;
  return fields;
}

/** Only the CLI and the config file touch a client that is not a tenant's. */
function assertMayTouch(actor: Actor, role: string) {
  if (role !== 'tenant' && (actor.kind === 'client' || actor.kind === 'admin')) {
    throw new TenancyError('forbidden', 'only tenant clients are managed here; console and management clients come from the CLI or the config file');
  }
}

/** PROTOCOL §11: a tenant client's URIs are on its tenant's verified domains. */
function checkUris(client: ClientFields, tenant: TenantRecord | undefined) {
  if (client.role !== 'tenant' || !tenant) return;
  const verified = new Set(tenant.domains.filter((d) => d.status === 'verified').map((d) => d.origin));
  const issues: FieldIssue[] = [];
  const check = (path: string, uri: string) => {
    if (!verified.has(new URL(uri).origin)) issues.push({ path, message: `${new URL(uri).origin} is not a verified domain of tenant "${tenant.id}"` });
  };
  for (const [i, u] of client.redirectUris.entries()) check(`redirectUris.${i}`, u);
  for (const [i, u] of client.postLogoutRedirectUris.entries()) check(`postLogoutRedirectUris.${i}`, u);
  if (client.backchannelLogoutUri) check('backchannelLogoutUri', client.backchannelLogoutUri);
  if (issues.length) throw new TenancyError('uri_not_on_verified_domain', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/** A public client (no secret) gains no grant that only a secret may hold (RFC 6749 §4.4). */
function checkPublic(current: ClientRecord, after: ClientFields) {
  const need = current.secrets.length === 0 ? secretNeed(after) : undefined;
  if (need) throw new TenancyError('body_invalid', `grantTypes: ${need}, and this client is public (it has none)`, [{ path: 'grantTypes', message: `${need}, and this client is public (it has none)` }]);
}

/** The tenant a client names must exist and be enabled. */
function tenantFor(view: TenancyView, tenantId: string | undefined): Versioned<TenantRecord> | undefined {
  if (tenantId === undefined) return undefined;
  const tenant = tenantIn(view, tenantId);
  if (tenant.record.disabled) throw new TenancyError('tenant_disabled', `tenant "${tenantId}" is disabled`);
  return tenant;
}

/** The protection event a change of the tenant's redeeming clients makes, if any. */
function redeemersEvent(view: TenancyView, tenant: Versioned<TenantRecord> | undefined, before: ClientRecord | null, after: ClientRecord | null, actor: Actor) {
  if (!tenant || (!(before && mayRedeem(before)) && !(after && mayRedeem(after)))) return [];
  const others = clientsOfTenant(view, tenant.record.id).filter((c) => c.clientId !== (after ?? before)!.clientId);
  const event = protectionEvent(tenant.record.id, protectionsOf(tenant.record, before ? [...others, before] : others), protectionsOf(tenant.record, after ? [...others, after] : others)!, actor);
  return event ? [event] : [];
}

export async function createClient(ctx: TenancyContext, actor: Actor, input: unknown, options: { secret?: string } = {}): Promise<ClientWithSecret> {
  assertRight(actor, 'manage:clients', ctx.sync.view().roles);
  // Who may create this kind of client is decided before how its fields fit together.
  assertMayTouch(actor, parseInput(clientCreateSchema, input).role);
  const parsed = parseInput(clientCreateChecked, input);
  return mutate(ctx, (view) => {
    const existing = view.records.clients.get(parsed.clientId);
    if (existing && existing.record.deletedAt === undefined) throw new TenancyError('client_exists', `a client "${parsed.clientId}" exists`);
    const tenant = tenantFor(view, parsed.tenant);
    checkUris(parsed, tenant?.record);
    const now = ctx.now();
    const secret = options.secret ?? generateSecret();
    const record: ClientRecord = { ...parsed, secrets: [{ hash: hashSecret(secret), createdAt: now }], createdAt: now, updatedAt: now };
    return {
      records: [{ kind: 'client', id: record.clientId, rev: existing?.rev ?? null, before: existing?.record ?? null, after: record }],
      guards: tenant ? [{ kind: 'tenant', id: tenant.record.id, rev: tenant.rev }] : [],
      events: [
        configEvent('tenancy.client_created', actor, { clientId: record.clientId, role: record.role, ...(record.tenant ? { tenant: record.tenant } : {}), grantTypes: record.grantTypes.join(' ') }),
        ...redeemersEvent(view, tenant, null, record, actor),
      ],
      result: (version) => ({ client: { rev: version, record }, secret }),
    };
  });
}

export async function getClient(ctx: TenancyContext, actor: Actor, clientId: string): Promise<Versioned<ClientRecord>> {
  assertRight(actor, 'read:clients', ctx.sync.view().roles);
  return clientIn(await ctx.sync.refresh(), clientId);
}

export async function listClients(ctx: TenancyContext, actor: Actor, filter: { tenant?: string } = {}): Promise<Versioned<ClientRecord>[]> {
  assertRight(actor, 'read:clients', ctx.sync.view().roles);
  const view = await ctx.sync.refresh();
  if (filter.tenant !== undefined) tenantIn(view, filter.tenant);
  return [...view.records.clients.values()]
    .filter((c) => c.record.deletedAt === undefined && (filter.tenant === undefined || c.record.tenant === filter.tenant))
    .sort((a, b) => (a.record.clientId < b.record.clientId ? -1 : 1));
}

export async function updateClient(ctx: TenancyContext, actor: Actor, clientId: string, patch: unknown, ifMatch: number): Promise<Versioned<ClientRecord>> {
  assertRight(actor, 'manage:clients', ctx.sync.view().roles);
  const members = checkPatch(patch, CLIENT_PATCHABLE);
  const match = { kind: 'client' as const, id: clientId, rev: ifMatch };
  return mutate(
    ctx,
    (view) => {
      const current = clientIn(view, clientId);
      checkIfMatch(view, match);
      assertMayTouch(actor, current.record.role);
      const before = fieldsOf(current.record);
      const { clientSecret: _none, ...after } = parseInput(clientChecked, mergePatch(before, members));
      checkPublic(current.record, after);
      const tenant = tenantFor(view, after.tenant);
      checkUris(after, tenant?.record);
      const changed = changedFields(before, after);
      if (changed.length === 0) return { noop: true, records: [], events: [], result: () => current };
      const record: ClientRecord = { ...current.record, ...after, updatedAt: ctx.now() };
      if (!after.backchannelLogoutUri) delete record.backchannelLogoutUri;
      return {
        records: [{ kind: 'client', id: clientId, rev: current.rev, before: current.record, after: record }],
        guards: tenant ? [{ kind: 'tenant', id: tenant.record.id, rev: tenant.rev }] : [],
        events: [
          configEvent('tenancy.client_updated', actor, { clientId, ...(record.tenant ? { tenant: record.tenant } : {}), changed: changed.join(',') }),
          ...redeemersEvent(view, tenant, current.record, record, actor),
        ],
        result: (version) => ({ rev: version, record }),
      };
    },
    { ifMatch: match },
  );
}

/** A new secret, shown once; the previous one works `overlapSeconds` more (default 24 h). */
export async function rotateClientSecret(ctx: TenancyContext, actor: Actor, clientId: string, input: unknown = {}, ifMatch?: number): Promise<ClientWithSecret> {
  assertRight(actor, 'manage:clients', ctx.sync.view().roles);
  const overlap = parseInput(rotateInputSchema, input ?? {}).overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
  const match = ifMatch === undefined ? undefined : { kind: 'client' as const, id: clientId, rev: ifMatch };
  return mutate(
    ctx,
    (view) => {
      const current = clientIn(view, clientId);
      checkIfMatch(view, match);
      assertMayTouch(actor, current.record.role);
      if (current.record.secrets.length === 0) throw new TenancyError('client_public', `client "${clientId}" is public: it has no secret`);
      const now = ctx.now();
      const secret = generateSecret();
      const record: ClientRecord = { ...current.record, secrets: rotateSecrets(current.record.secrets, secret, overlap, now), updatedAt: now };
      const until = record.secrets[1]?.expiresAt;
      return {
        records: [{ kind: 'client', id: clientId, rev: current.rev, before: current.record, after: record }],
        events: [
          configEvent('tenancy.client_secret_rotated', actor, {
            clientId,
            ...(record.tenant ? { tenant: record.tenant } : {}),
            overlapSeconds: overlap,
            previousSecretValidUntil: until ? new Date(until).toISOString() : 'refused now',
          }),
        ],
        result: (version) => ({ client: { rev: version, record }, secret }),
      };
    },
    match ? { ifMatch: match } : {},
  );
}

/** Deletes a client: nothing authenticates as it again, its tokens are inactive, its live sessions end. */
export async function deleteClient(ctx: TenancyContext, actor: Actor, clientId: string, ifMatch?: number) {
  assertRight(actor, 'manage:clients', ctx.sync.view().roles);
  const match = ifMatch === undefined ? undefined : { kind: 'client' as const, id: clientId, rev: ifMatch };
  const deleted = await mutate(
    ctx,
    (view) => {
      const current = clientIn(view, clientId);
      checkIfMatch(view, match);
      assertMayTouch(actor, current.record.role);
      const now = ctx.now();
      const record: ClientRecord = { ...current.record, secrets: [], deletedAt: now, updatedAt: now };
      const tenant = current.record.tenant ? view.records.tenants.get(current.record.tenant) : undefined;
      return {
        records: [{ kind: 'client', id: clientId, rev: current.rev, before: current.record, after: record }],
        events: [
          configEvent('tenancy.client_deleted', actor, { clientId, ...(record.tenant ? { tenant: record.tenant } : {}) }),
          ...redeemersEvent(view, tenant, current.record, null, actor),
        ],
        result: () => current.record,
      };
    },
    match ? { ifMatch: match } : {},
  );
  const sessionsEnded = deleted.tenant ? await endTenantSessions(ctx, deleted.tenant, 'client_removed', actor, (s) => s.client === clientId) : 0;
  return { clientId, sessionsEnded };
}
