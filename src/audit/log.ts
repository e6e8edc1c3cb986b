/**
 * The audit trail (PROTOCOL.md §6): one append-only transparency log per tenant and one
 * for events without a tenant, each an RFC 9162 Merkle tree whose state is in the store,
 * so any instance appends and any instance proves.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { keys as storeKeys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { type CheckpointKey, logOrigin } from './checkpoints.js';
import { type AuditEvent, type AuditEventInput, auditEventInputSchema, auditLogNames, logNameOf } from './events.js';
import { createGroupCommit } from './group-commit.js';
import { leafOf } from './hash.js';
import { type AuditFilter, type AuditPage, type AuditPageRequest, listEvents } from './list.js';
import { type LogVerification, verifyLog } from './verify.js';

export interface AuditLogOptions {
  /**
   * Called once per appended event, after it is durably in the store. This is where
   * notifications hook in; it must not throw or block (its errors are logged, not
   * propagated, so a failing notifier never fails the decision it reports).
   */
  onAppended?: (event: AuditEvent) => void | Promise<void>;
  /** Where `onAppended` failures are reported. */
  logger?: Logger;
  /** The tenants' ids: with `system`, every log there is (for listing and verifying all). */
  tenants?: () => readonly string[];
  /** The issuer, which names the logs' origins; needed by `verify`. */
  issuer?: string;
  /** The checkpoint key (public is enough); needed by `verify`. */
  key?: CheckpointKey;
}

/** An event checked and stamped, not yet in its log (AuditLog.stage). */
export interface StagedEvent {
  log: string;
  /** Its canonical JSON (the leaf), for the step that appends it. */
  leaf: string;
  event: Omit<AuditEvent, 'log' | 'index'>;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries re-hashed in every log. */
  count: number;
  logs: LogVerification[];
}

export interface AuditLog {
  /**
   * Appends one event to its log (its tenant's, or the system log) and answers it once it
   * is durably in the store; throws when it cannot be written, and then nothing that it
   * records may be issued.
   */
  append(input: AuditEventInput): Promise<AuditEvent>;
  /**
   * An event that a store step appends together with other writes (an impersonation leg's:
   * the ticket and its `ticket_issued`, the session and its `started`), so neither exists
   * without the other: checked and stamped now, its leaf handed to the step. Once the step
   * has appended it, `committed` announces it like `append` does.
   */
  stage(input: AuditEventInput): StagedEvent;
  committed(staged: StagedEvent, index: number): AuditEvent;
  /** Events newest first across the logs (or those the filter names), a page at a time. */
  list(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage>;
  /** Every log: the tenants' and `system`. */
  logs(): string[];
  /** Re-hashes every log (or `logs`) against its kept checkpoints and any `given` ones. */
  verify(options?: { logs?: readonly string[]; given?: readonly string[] }): Promise<AuditVerification>;
}

/**
 * @example
 * const audit = createAuditLog(store, { tenants: () => tenancy.view().tenantIds, onAppended: (e) => notifier.notify(e) });
 * await audit.append({ type: 'impersonation.started', admin, user, tenant, sid, outcome: 'success' });
 */
export function createAuditLog(store: Store, options: AuditLogOptions = {}): AuditLog {
  const commit = createGroupCommit(async (log, leaves) => {
    const keys = storeKeys.auditLog(log);
    const size = await store.tlogAppend(keys, leaves);
    // An acknowledged event must survive a failover (store.replicaAcks).
    await store.waitForReplicas(keys.leaves);
    return size;
  });
  const logs = () => auditLogNames(options.tenants?.() ?? []);

  function announce(event: AuditEvent): void {
    if (!options.onAppended) return;
    const report = (error: unknown) =>
      options.logger?.error({ err: error, eventId: event.id, eventType: event.type }, 'audit onAppended failed');
    try {
      Promise.resolve(options.onAppended(event)).catch(report);
    } catch (error) {
      report(error);
    }
  }

  function stage(input: AuditEventInput): StagedEvent {
    const fields = auditEventInputSchema.parse(input);
    const event = { ...fields, id: randomUUID(), time: new Date().toISOString() };
    return { log: logNameOf(event), leaf: leafOf(event), event };
  }

  function committed(staged: StagedEvent, index: number): AuditEvent {
    const event = { ...staged.event, log: staged.log, index } as AuditEvent;
    announce(event);
    return event;
  }

  return {
    async append(input) {
      const staged = stage(input);
      return committed(staged, await commit(staged.log, staged.leaf));
    },

    stage,
    committed,

    list: (filter, page) => listEvents(store, logs(), filter, page),

    logs,

    async verify(verifyOptions = {}) {
      const { issuer, key } = options;
      if (!issuer || !key) throw new Error('createAuditLog needs `issuer` and `key` to verify');
      const results: LogVerification[] = [];
      for (const log of verifyOptions.logs ?? logs()) {
        results.push(await verifyLog(store, { log, origin: logOrigin(issuer, log), key, given: verifyOptions.given ?? [] }));
      }
      return { ok: results.every((r) => r.ok), count: results.reduce((n, r) => n + r.checked, 0), logs: results };
    },
  };
}
