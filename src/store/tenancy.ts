/**
 * What the store offers runtime configuration (src/tenancy, PROTOCOL §11): tenants,
 * clients and roles as JSON records, each with the revision it was last written at, and
 * one deployment-wide version that every write advances. All of it lives under one Cluster
 * hash tag, so a write that touches several records (a domain removed from a tenant and
 * from its clients' URIs) is one atomic script, and a read sees one consistent version.
 * Every committed write is announced on a pub/sub channel; instances that miss the message
 * see the version move when they next poll it.
 */

/**
 * The kinds of records, and how a record is named in the store: `<kind>/<id>`. A `domain`
 * record (by host) names the tenant holding it, so two tenants never claim one host.
 */
export type TenancyKind = 'tenant' | 'client' | 'role' | 'domain';
const KINDS: readonly string[] = ['tenant', 'client', 'role', 'domain'] satisfies TenancyKind[];

export interface TenancyRecord {
  kind: TenancyKind;
  id: string;
  /** The configuration version this record was last written at: its ETag. */
  rev: number;
  /** The record's JSON. */
  body: string;
}

export interface TenancyRead {
  /** 0 when nothing was ever written. */
  version: number;
  records: TenancyRecord[];
}

/** A condition of a commit: the record's current revision, or null for "absent". */
export interface TenancyGuard {
  kind: TenancyKind;
  id: string;
  rev: number | null;
}

/** A record to write, or to delete (body null). */
export interface TenancyWrite {
  kind: TenancyKind;
  id: string;
  body: string | null;
}

export type TenancyCommit =
  | { ok: true; version: number }
  /** Nothing was written: the deployment's version moved (`version`) or a guarded record did. */
  | { ok: false; conflict: { kind: TenancyKind; id: string } | 'version' };

export interface TenancyStore {
  /** Every record and the version they are at, in one atomic read. */
  tenancyRead(): Promise<TenancyRead>;
  /** The deployment's configuration version alone (what instances poll). */
  tenancyVersion(): Promise<number>;
  /**
   * Writes `writes` only if every guard holds (and, with `expectVersion`, the deployment is
   * still at that version), in one atomic step that advances the version once and publishes
   * it. Written records get the new version as their revision.
   */
  tenancyCommit(guards: TenancyGuard[], writes: TenancyWrite[], options?: { expectVersion?: number }): Promise<TenancyCommit>;
  /**
   * Calls `listener` with each version any process commits (best effort: a message can be
   * lost), and with null whenever the subscription was (re)established, when a message may
   * have been missed. Resolves once subscribed; the returned function unsubscribes.
   */
  tenancySubscribe(listener: (version: number | null) => void): Promise<() => Promise<void>>;
}

/** The store's logical keys of runtime configuration; the hash tag keeps them in one slot. */
export const tenancyKeys = {
  version: '{tenancy}:version',
  /** Hash: `<kind>/<id>` → record JSON. */
  records: '{tenancy}:records',
  /** Hash: `<kind>/<id>` → revision. */
  revs: '{tenancy}:revs',
  /** The pub/sub channel a commit publishes its version on (prefixed like a key). */
  channel: 'tenancy:changed',
} as const;

export const recordField = (kind: TenancyKind, id: string) => `${kind}/${id}`;

export function parseRecordField(field: string): { kind: TenancyKind; id: string } | null {
  const slash = field.indexOf('/');
  const kind = field.slice(0, slash);
  if (slash < 1 || !KINDS.includes(kind)) return null;
  return { kind: kind as TenancyKind, id: field.slice(slash + 1) };
}
