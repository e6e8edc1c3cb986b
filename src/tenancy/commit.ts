/**
 * The one write path of runtime configuration: a planned change is committed atomically
 * against the revisions it was planned from, made durable, audited, and read back into this
 * process's view before the caller answers. A change whose audit cannot be written is
 * undone (guarded by the revisions it wrote) and reported as unavailable: nothing changes
 * without its record in the log. Should the undo fail too, the caller is told the change
 * may stand (`change_unaudited`) and the operator is told by an error in the log.
 */
import type { Logger } from 'pino';
import type { AuditEventInput } from '../audit/events.js';
import type { AuditSink } from '../impersonation/end.js';
import { tenancyKeys } from '../store/tenancy.js';
import { type Store, StoreUnavailableError, type TenancyGuard, type TenancyKind, type TenancyWrite } from '../store/types.js';
import { TenancyError } from './errors.js';
import type { TenancySync } from './sync.js';
import type { TenancyView } from './view.js';

export interface CommitDeps {
  store: Store;
  sync: TenancySync;
  audit: AuditSink;
  logger?: Logger;
}

/** A record to write, with what it held before (null: absent), so a failed audit can undo it. */
export interface RecordChange {
  kind: TenancyKind;
  id: string;
  /** The revision it was planned from (null: it must be absent). */
  rev: number | null;
  before: unknown;
  /** null deletes it. */
  after: unknown;
}

export interface Planned<T> {
  /** Nothing to write (the change is already in place): the result as it stands. */
  noop?: boolean;
  records: RecordChange[];
  /** Records that must not have moved, though nothing is written to them. */
  guards?: TenancyGuard[];
  /** The whole configuration must still be at the version planned from (a declarative apply). */
  expectVersion?: number;
  /** Appended in order once committed: the system log's event first, then tenants' logs. */
  events: AuditEventInput[];
  result: (version: number) => T;
}

const body = (value: unknown) => (value === null ? null : JSON.stringify(value));

async function unavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new TenancyError('store_unavailable');
    throw err;
  }
}

/**
 * Plans from the freshest view and commits; when another writer moved a record the plan
 * relied on (or the version, for a plan that expects one), plans again (up to 5 times).
 * With `ifMatch`, the record it names must still be at that revision: a plan checks it,
 * and a moved record answers 412 rather than a retry. An audit that fails after some of a
 * change's events were written leaves those events; the change itself is undone.
 */
export async function mutate<T>(
  deps: CommitDeps,
  plan: (view: TenancyView) => Planned<T>,
  options: { ifMatch?: { kind: TenancyKind; id: string; rev: number } } = {},
): Promise<T> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const view = await unavailable(() => deps.sync.refresh());
    const planned = plan(view);
    if (planned.noop || planned.records.length === 0) return planned.result(view.version);
    const guards: TenancyGuard[] = [...(planned.guards ?? []), ...planned.records.map((r) => ({ kind: r.kind, id: r.id, rev: r.rev }))];
    const writes: TenancyWrite[] = planned.records.map((r) => ({ kind: r.kind, id: r.id, body: body(r.after) }));
    const committed = await unavailable(() => deps.store.tenancyCommit(guards, writes, planned.expectVersion === undefined ? {} : { expectVersion: planned.expectVersion }));
    if (!committed.ok) {
      const m = options.ifMatch;
      if (m && committed.conflict !== 'version' && committed.conflict.kind === m.kind && committed.conflict.id === m.id) throw new TenancyError('precondition_failed');
      continue;
    }
    const { version } = committed;
    try {
      // A protection change a failover could lose would undo itself silently (store.replicaAcks).
      await deps.store.waitForReplicas(tenancyKeys.version);
      for (const event of planned.events) await deps.audit.append(event);
    } catch (err) {
      const undone = await undo(deps.store, planned.records, version).then(
        (ok) => ok || new Error('the records were written over since'),
        (undoErr: unknown) => undoErr,
      );
      if (undone !== true) {
        // Names only (kind, id, event types): the records may hold secrets' hashes.
        const changed = planned.records.map((r) => `${r.kind}:${r.id}`);
        deps.logger?.error({ err: undone, auditError: err instanceof Error ? `${err.name}: ${err.message}` : String(err), version, changed, events: planned.events.map((e) => e.type) }, 'a configuration change may stand without its audit events: the audit failed, then undoing the change failed');
        throw new TenancyError('change_unaudited');
      }
      throw err instanceof StoreUnavailableError || (err as Error)?.name === 'AuditError' ? new TenancyError('store_unavailable') : err;
    }
    // Committed and audited: the answer stands (a generated secret is in it only). This
    // process's view follows by the next message or poll if it cannot read it now.
    await deps.sync.reachVersion(version).catch((err: unknown) => {
      deps.logger?.warn({ err, version }, 'a configuration change was committed but not read back; the view follows by polling');
    });
    return planned.result(version);
  }
  throw new TenancyError('config_changed');
}

/** Puts back what a commit at `version` replaced, unless something wrote over it since (false). */
async function undo(store: Store, records: RecordChange[], version: number): Promise<boolean> {
  const guards = records.map((r) => ({ kind: r.kind, id: r.id, rev: r.after === null ? null : version }));
  return (await store.tenancyCommit(guards, records.map((r) => ({ kind: r.kind, id: r.id, body: body(r.before) })))).ok;
}

/** The revision a record is at in the view, or null when absent. */
export function revOf(view: TenancyView, kind: TenancyKind, id: string): number | null {
  const maps = { tenant: view.records.tenants, client: view.records.clients, role: view.records.roles, domain: view.records.domains };
  return maps[kind].get(id)?.rev ?? null;
}

/** Refuses a plan when the caller's ETag is not the record's current revision (RFC 9110 §13.1.1). */
export function checkIfMatch(view: TenancyView, ifMatch: { kind: TenancyKind; id: string; rev: number } | undefined) {
  if (ifMatch && revOf(view, ifMatch.kind, ifMatch.id) !== ifMatch.rev) throw new TenancyError('precondition_failed');
}
