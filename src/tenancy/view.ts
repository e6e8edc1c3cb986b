/**
 * The in-process snapshot of runtime configuration that every hot path reads synchronously
 * (PROTOCOL §11: no Redis round trip for configuration on the token endpoint, the mint or
 * the redemption). Built once per configuration version from one atomic read of the store,
 * then never changed: a newer version is a new view.
 */
import { type RoleConfig, SECRET_GRANT_TYPES } from '../config/schema.js';
import type { TenancyKind, TenancyRead } from '../store/tenancy.js';
import { matchesSecret } from './secrets.js';
import type { Client, ClientRecord, DomainIndexRecord, RoleRecord, Tenant, TenantRecord, Versioned } from './types.js';

export interface TenancyView {
  /** The deployment's configuration version this view was read at (0: nothing was ever written). */
  readonly version: number;
  /** Enabled tenants, with their verified domains only. */
  readonly tenants: readonly Tenant[];
  /** Clients that authenticate: not deleted, of an enabled tenant (when they have one), with a secret when their role needs one. */
  readonly clients: readonly Client[];
  readonly roles: readonly RoleConfig[];
  /** Every tenant that ever existed here (disabled ones too): their audit logs remain. */
  readonly tenantIds: readonly string[];
  /** Origins our pages may post forms or redirect to (CSP form-action). */
  readonly formTargets: readonly string[];
  /** The longest impersonation any enabled tenant allows, seconds (at least 60). */
  readonly maxImpersonationSeconds: number;
  tenant(id: string): Tenant | undefined;
  client(clientId: string): Client | undefined;
  /** The enabled tenant an origin is a domain of, and whether that domain is verified. */
  domainOf(origin: string): { tenant: Tenant; verified: boolean } | undefined;
  /**
   * A client whose sessions may still need a back-channel logout: active, or deleted or of a
   * disabled tenant since (a logout follows the end its removal caused).
   */
  logoutClient(clientId: string): Client | undefined;
  /** Whether `secret` is a live secret of the active client `clientId` (constant time). */
  checkSecret(clientId: string, secret: string, now?: number): boolean;
  /** Every record with its revision, for management reads (never for the hot paths). */
  readonly records: {
    tenants: ReadonlyMap<string, Versioned<TenantRecord>>;
    clients: ReadonlyMap<string, Versioned<ClientRecord>>;
    roles: ReadonlyMap<string, Versioned<RoleRecord>>;
    domains: ReadonlyMap<string, Versioned<DomainIndexRecord>>;
  };
}

/** The hot paths' tenant: the record's settings and its verified origins. */
export function tenantOf(record: TenantRecord): Tenant {
  const { domains, disabled: _disabled, createdAt: _created, updatedAt: _updated, ...settings } = record;
  return { ...settings, domains: domains.filter((d) => d.status === 'verified').map((d) => d.origin) };
}

/**
 * A client as the hot paths see it. One without a secret (public) holds no grant in which a
 * client authenticates with its secret alone, whatever its record says (RFC 6749 §4.4): the
 * config file and the API refuse such a record, and this holds for one written before.
 */
export function clientOf(record: ClientRecord): Client {
  const { secrets, createdAt: _created, updatedAt: _updated, deletedAt: _deleted, ...fields } = record;
  const confidential = secrets.length > 0;
  return { ...fields, grantTypes: confidential ? fields.grantTypes : fields.grantTypes.filter((g) => !SECRET_GRANT_TYPES.includes(g)), confidential };
}

/** Whether a client may authenticate at all: a management or console client never without a secret, nor one left with no grant. */
const mayAuthenticate = (c: Client) => c.confidential || (c.role === 'tenant' && c.grantTypes.length > 0);

/** The host a domain is indexed by: `host[:port]`, lowercase (one tenant per host, whatever the scheme). */
export const domainHost = (origin: string) => new URL(origin).host.toLowerCase();

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const urls = (v: unknown) => Array.isArray(v) && v.every((u) => typeof u === 'string' && URL.canParse(u));

/**
 * Whether a parsed record has the shape building the view and the hot paths rely on. Records
 * are written by this service, validated; one that is not (written by hand, by an older
 * release) is skipped rather than let it stop every instance from building its view.
 */
const wellFormed: Record<TenancyKind, (r: unknown) => boolean> = {
  tenant: (r) =>
    isObject(r) &&
    Array.isArray(r.domains) &&
    r.domains.every((d: unknown) => isObject(d) && typeof d.origin === 'string' && URL.canParse(d.origin)) &&
    isObject(r.impersonation) &&
    Number.isFinite(r.impersonation.maxSeconds),
  client: (r) => isObject(r) && typeof r.role === 'string' && Array.isArray(r.secrets) && Array.isArray(r.grantTypes) && urls(r.redirectUris) && urls(r.postLogoutRedirectUris),
  role: (r) => isObject(r) && typeof r.name === 'string' && (r.tenants === '*' || (Array.isArray(r.tenants) && r.tenants.every((t: unknown) => typeof t === 'string'))),
  domain: (r) => isObject(r) && typeof r.tenant === 'string',
};

export function buildView(read: TenancyRead, onBadRecord: (kind: string, id: string) => void = () => {}): TenancyView {
  const tenantRecords = new Map<string, Versioned<TenantRecord>>();
  const clientRecords = new Map<string, Versioned<ClientRecord>>();
  const roleRecords = new Map<string, Versioned<RoleRecord>>();
  const domainRecords = new Map<string, Versioned<DomainIndexRecord>>();
  const maps = { tenant: tenantRecords, client: clientRecords, role: roleRecords, domain: domainRecords } as const;
  // Record by record: one that does not parse, or parses to the wrong shape, is skipped and reported.
  for (const r of read.records) {
    let record: unknown;
    try {
      record = JSON.parse(r.body);
    } catch {
      record = undefined;
    }
    if (wellFormed[r.kind](record)) (maps[r.kind] as Map<string, Versioned<unknown>>).set(r.id, { rev: r.rev, record });
    else onBadRecord(r.kind, r.id);
  }
  const byId = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

  const tenants = new Map<string, Tenant>();
  const domains = new Map<string, { tenant: Tenant; verified: boolean }>();
  for (const [id, { record }] of [...tenantRecords].sort(byId)) {
    if (record.disabled) continue;
    const tenant = tenantOf(record);
    tenants.set(id, tenant);
    for (const d of record.domains) domains.set(d.origin, { tenant, verified: d.status === 'verified' });
  }
  const clients = new Map<string, Client>();
  const everyClient = new Map<string, Client>();
  const secrets = new Map<string, ClientRecord['secrets']>();
  for (const [id, { record }] of [...clientRecords].sort(byId)) {
    const client = clientOf(record);
    everyClient.set(id, client);
    if (record.deletedAt !== undefined || (record.tenant !== undefined && !tenants.has(record.tenant)) || !mayAuthenticate(client)) continue;
    clients.set(id, client);
    secrets.set(id, record.secrets);
  }
  const targets = new Set<string>();
  for (const t of tenants.values()) for (const d of t.domains) targets.add(d);
  for (const c of clients.values()) for (const u of [...c.redirectUris, ...c.postLogoutRedirectUris]) targets.add(new URL(u).origin);

  return {
    version: read.version,
    tenants: [...tenants.values()],
    clients: [...clients.values()],
    roles: [...roleRecords].sort(byId).map(([, v]) => v.record),
    tenantIds: [...tenantRecords.keys()].sort(),
    formTargets: [...targets],
    maxImpersonationSeconds: Math.max(60, ...[...tenants.values()].map((t) => t.impersonation.maxSeconds)),
    tenant: (id) => tenants.get(id),
    client: (id) => clients.get(id),
    domainOf: (origin) => domains.get(origin),
    logoutClient: (id) => everyClient.get(id),
    checkSecret: (id, secret, now) => matchesSecret(secrets.get(id) ?? [], secret, now),
    records: { tenants: tenantRecords, clients: clientRecords, roles: roleRecords, domains: domainRecords },
  };
}

export const EMPTY_VIEW: TenancyView = buildView({ version: 0, records: [] });
