import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { keys } from '../store/keys.js';
import type { Store, StreamEntry } from '../store/types.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditEventType,
  GENESIS_HASH,
  auditEventInputSchema,
} from './events.js';
import { hashAuditEvent } from './hash.js';

export interface AuditLogOptions {
  /**
   * Called once per appended event, after it is durably in the stream. This is where
   * notifications hook in; it must not throw or block (its errors are logged, not
   * propagated, so a failing notifier never fails the decision it reports).
   */
  onAppended?: (event: AuditEvent) => void | Promise<void>;
  /** Where `onAppended` failures are reported. */
  logger?: Logger;
  /**
   * Compare-and-append attempts before giving up under contention from other
   * processes. Appends from one process are serialised, so contention only comes from
   * other Gatehouse instances; the default (100) is far above what N instances need.
   */
  maxAttempts?: number;
}

export interface AuditFilter {
  tenant?: string;
  admin?: string;
  user?: string;
  type?: AuditEventType | readonly AuditEventType[];
  /** Inclusive bounds on the event's `time`. */
  from?: Date;
  to?: Date;
}

export interface AuditPageRequest {
  /** 1 to 1000 events per page. */
  limit: number;
  /** The `next` cursor of the previous page: events older than that one. */
  before?: string;
}

export interface AuditPage {
  /** Newest first. */
  events: AuditEvent[];
  /** Present when older matching events exist; pass it back as `before`. */
  next?: string;
}

export type ChainProblemKind = 'edited' | 'broken_link' | 'head_mismatch';

export interface ChainVerification {
  ok: boolean;
  /** Events checked and found sound (all of them when `ok`). */
  count: number;
  /** The head hash the walk ended on; record it elsewhere to anchor the chain. */
  head?: string;
  /**
   * The first problem: `edited` (the event no longer matches its hash), `broken_link`
   * (its `prevHash` is not the hash of the event before it: something between was
   * deleted or re-hashed), `head_mismatch` (the head does not point at the last event:
   * the tail was deleted). `index` is the 0-based position in the stream.
   */
  problem?: { id: string; index: number; kind: ChainProblemKind };
}

export interface AuditLog {
  /** Appends one event; throws when it cannot be written (nothing may then be issued). */
  append(input: AuditEventInput): Promise<AuditEvent>;
  verify(): Promise<ChainVerification>;
  list(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage>;
  /** Matching events, oldest first, one stored JSON document per line (byte-exact). */
  exportNdjson(filter?: AuditFilter): AsyncIterable<string>;
}

export type AuditErrorCode = 'append_contention';

export class AuditError extends Error {
  override readonly name = 'AuditError';
  constructor(
    readonly code: AuditErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const READ_PAGE = 500;
const MAX_LIST_LIMIT = 1000;

/**
 * The audit log: a hash-chained stream (PROTOCOL.md §6). Each event carries the hash
 * of the one before, and the stream's head hash is stored beside it and moved in the
 * same atomic compare-and-append, so several Gatehouse processes can share one chain.
 *
 * Reads (`list`, `exportNdjson`, `verify`) walk the stream from the start: the store
 * contract has forward reads only, so a page of the console costs a scan of the log.
 *
 * @example
 * const audit = createAuditLog(store, { onAppended: (e) => void notifier.notify(e) });
 * await audit.append({ type: 'impersonation.started', admin, user, tenant, sid, outcome: 'success' });
 */
export function createAuditLog(store: Store, options: AuditLogOptions = {}): AuditLog {
  const maxAttempts = options.maxAttempts ?? 100;
  const streamKey = keys.auditStream();
  const headKey = keys.auditHead();

  // The head this process last wrote or saw. A stale value costs one failed
  // compare-and-append, which answers with the current head; `undefined` = read it.
  let knownHead: string | null | undefined;
  // Appends from this process run one at a time: in-process callers never race each
  // other for the head, and their events keep the order they were appended in.
  let tail: Promise<unknown> = Promise.resolve();

  async function appendNow(input: AuditEventInput): Promise<AuditEvent> {
    const fields = auditEventInputSchema.parse(input);
    const id = randomUUID();
    const time = new Date().toISOString();
    try {
      let head = knownHead === undefined ? await store.get(headKey) : knownHead;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const unhashed = { ...fields, id, time, prevHash: head ?? GENESIS_HASH };
        const event = { ...unhashed, hash: hashAuditEvent(unhashed) } as AuditEvent;
        const result = await store.appendChained(streamKey, headKey, head, event.hash, {
          event: JSON.stringify(event),
        });
        if (result.ok) {
          knownHead = event.hash;
          return event;
        }
        head = result.head ?? null;
        // Another process appended first; a little jitter keeps two of them from
        // colliding in lockstep.
        await sleep(Math.random() * Math.min(25, attempt * 2));
      }
      throw new AuditError('append_contention', `audit append lost the head race ${maxAttempts} times`);
    } catch (error) {
      knownHead = undefined;
      throw error;
    }
  }

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

  async function* entries(): AsyncGenerator<StreamEntry> {
    let after = '0';
    for (;;) {
      const page = await store.readStream(streamKey, after, READ_PAGE);
      yield* page;
      if (page.length < READ_PAGE) return;
      after = page[page.length - 1]!.id;
    }
  }

  async function* events(filter: AuditFilter): AsyncGenerator<{ event: AuditEvent; raw: string }> {
    const match = matcher(filter);
    for await (const entry of entries()) {
      const raw = entry.fields.event;
      const event = raw === undefined ? undefined : parseEvent(raw);
      // An unreadable entry is tampering; `verify` reports it, browsing skips it.
      if (event && match(event)) yield { event, raw: raw! };
    }
  }

  return {
    append(input) {
      const run = tail.then(() => appendNow(input));
      tail = run.catch(() => {});
      return run.then((event) => {
        announce(event);
        return event;
      });
    },

    async verify() {
      // The head is read before and after the walk: when it did not move, the walk saw
      // the whole chain and must end on it; when it moved, other processes appended
      // meanwhile, and the earlier head must then be somewhere in the chain.
      const headBefore = await store.get(headKey);
      let expectedPrev = GENESIS_HASH;
      let index = 0;
      let last: { id: string; hash: string } | undefined;
      let sawHeadBefore = headBefore === null;
      for await (const entry of entries()) {
        const raw = entry.fields.event;
        const event = raw === undefined ? undefined : parseEvent(raw);
        const id = typeof event?.id === 'string' ? event.id : entry.id;
        if (!event || event.hash !== hashAuditEvent(event)) {
          return { ok: false, count: index, problem: { id, index, kind: 'edited' } };
        }
        if (event.prevHash !== expectedPrev) {
          return { ok: false, count: index, problem: { id, index, kind: 'broken_link' } };
        }
        expectedPrev = event.hash;
        if (event.hash === headBefore) sawHeadBefore = true;
        last = { id: event.id, hash: event.hash };
        index++;
      }
      const headAfter = await store.get(headKey);
      const headOk =
        headAfter === headBefore ? (last?.hash ?? null) === headBefore : sawHeadBefore && headAfter !== null;
      if (!headOk) {
        const at = Math.max(0, index - 1);
        return { ok: false, count: index, problem: { id: last?.id ?? '', index: at, kind: 'head_mismatch' } };
      }
      return { ok: true, count: index, ...(last ? { head: last.hash } : {}) };
    },

    async list(filter, page) {
      const limit = Math.min(Math.max(Math.trunc(page.limit) || 1, 1), MAX_LIST_LIMIT);
      // One forward pass keeps the last limit+1 matches older than the cursor; the
      // extra one only says whether there is a next page.
      const kept: AuditEvent[] = [];
      let reachedCursor = page.before === undefined;
      const match = matcher(filter);
      for await (const entry of entries()) {
        const raw = entry.fields.event;
        const event = raw === undefined ? undefined : parseEvent(raw);
        if (!event) continue;
        if (page.before !== undefined && event.id === page.before) {
          reachedCursor = true;
          break;
        }
        if (!match(event)) continue;
        kept.push(event);
        if (kept.length > limit + 1) kept.shift();
      }
      if (!reachedCursor) return { events: [] };
      const newestFirst = kept.slice(-limit).reverse();
      const oldest = newestFirst[newestFirst.length - 1];
      return kept.length > limit && oldest ? { events: newestFirst, next: oldest.id } : { events: newestFirst };
    },

    async *exportNdjson(filter = {}) {
      for await (const { raw } of events(filter)) yield `${raw}\n`;
    },
  };
}

function parseEvent(raw: string): AuditEvent | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as AuditEvent) : undefined;
  } catch {
    return undefined;
  }
}

function matcher(filter: AuditFilter): (event: AuditEvent) => boolean {
  const types = filter.type === undefined ? undefined : new Set<string>([filter.type].flat());
  const from = filter.from?.getTime();
  const to = filter.to?.getTime();
  return (event) => {
    if (filter.tenant !== undefined && event.tenant !== filter.tenant) return false;
    if (filter.admin !== undefined && event.admin !== filter.admin) return false;
    if (filter.user !== undefined && event.user !== filter.user) return false;
    if (types && !types.has(event.type)) return false;
    if (from !== undefined || to !== undefined) {
      const time = Date.parse(event.time);
      if (from !== undefined && !(time >= from)) return false;
      if (to !== undefined && !(time <= to)) return false;
    }
    return true;
  };
}
