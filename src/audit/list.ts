/**
 * Browsing the logs newest first (the console's audit page): each log is read backwards
 * from its end, a few entries at a time, and the logs are merged by time. A page costs
 * reads in proportion to the page (and to how rare the filter's matches are, up to a
 * bound), never to a log's length.
 */
import { keys as storeKeys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import type { AuditEvent, AuditEventType } from './events.js';

export interface AuditFilter {
  /** One tenant's log (or `system`). */
  tenant?: string;
  /** Only these logs (an admin's coverage); every log when absent. */
  logs?: readonly string[];
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
  /** The `next` cursor of the previous page. */
  before?: string;
}

export interface AuditPage {
  /** Newest first. */
  events: AuditEvent[];
  /** Present when older events may match; pass it back as `before`. */
  next?: string;
}

const MAX_LIMIT = 1000;
/** Entries one page may read before it answers with what it found (and a cursor). */
const MAX_SCAN = 10_000;

/** Parses a stored leaf into its event; null for an unreadable one (verify reports it). */
export function eventOf(log: string, index: number, leaf: string): AuditEvent | null {
  try {
    const parsed = JSON.parse(leaf) as AuditEvent;
    return parsed && typeof parsed === 'object' && typeof parsed.time === 'string' ? { ...parsed, log, index } : null;
  } catch {
    return null;
  }
}

/** One log read backwards from `before`, in growing chunks. */
class Backwards {
  private buffer: AuditEvent[] = [];
  private chunk = 8;
  constructor(
    private readonly store: Store,
    readonly log: string,
    /** Where the next read starts: entries below this index. */
    private fetchBefore: number,
    private readonly floor: number,
  ) {}

  /** Where a later page resumes: just after (older than) the last event taken. */
  get position(): number {
    return this.buffer[0] ? this.buffer[0].index + 1 : this.fetchBefore;
  }

  get exhausted(): boolean {
    return this.position <= this.floor;
  }

  /** The next (older) event without taking it; null when the log is exhausted. */
  async peek(): Promise<AuditEvent | null> {
    while (this.buffer.length === 0 && this.fetchBefore > this.floor) {
      const leaves = await this.store.tlogReadBackward(storeKeys.auditLog(this.log), this.fetchBefore, this.chunk);
      this.chunk = Math.min(this.chunk * 4, 512);
      if (leaves.length === 0) this.fetchBefore = this.floor;
      for (const { index, leaf } of leaves) {
        this.fetchBefore = index;
        const event = eventOf(this.log, index, leaf);
        if (event) this.buffer.push(event);
      }
    }
    return this.buffer[0] ?? null;
  }

  take(): void {
    this.buffer.shift();
  }

  /** Nothing older can match: give up on this log. */
  stop(): void {
    this.buffer = [];
    this.fetchBefore = this.floor;
  }
}

function matcher(filter: AuditFilter): (event: AuditEvent) => boolean {
  const types = filter.type === undefined ? null : new Set<string>(typeof filter.type === 'string' ? [filter.type] : filter.type);
  const to = filter.to?.getTime();
  return (event) =>
    (filter.admin === undefined || event.admin === filter.admin) &&
    (filter.user === undefined || event.user === filter.user) &&
    (types === null || types.has(event.type)) &&
    (to === undefined || Date.parse(event.time) <= to);
}

const encodeCursor = (positions: Record<string, number>) => Buffer.from(JSON.stringify(positions)).toString('base64url');
function decodeCursor(cursor: string): Record<string, number> | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    const entries = Object.entries(value);
    return entries.every(([, n]) => Number.isSafeInteger(n) && (n as number) >= 0) ? (value as Record<string, number>) : null;
  } catch {
    return null;
  }
}

/** The first index whose event is newer than `to`, by binary search (times grow with the index). */
async function indexAfter(store: Store, log: string, floor: number, size: number, to: number): Promise<number> {
  let [lo, hi] = [floor, size];
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const [entry] = await store.tlogRead(storeKeys.auditLog(log), mid, 1);
    const event = entry ? eventOf(log, entry.index, entry.leaf) : null;
    if (!event || Date.parse(event.time) > to) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * One page of events newest first across `logs`.
 * @example
 * const page = await listEvents(store, ['acme', 'system'], { type: 'admin.login' }, { limit: 50 });
 */
export async function listEvents(store: Store, allLogs: readonly string[], filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage> {
  const limit = Math.min(Math.max(Math.trunc(page.limit) || 1, 1), MAX_LIMIT);
  let logs = filter.logs ? allLogs.filter((l) => filter.logs!.includes(l)) : [...allLogs];
  if (filter.tenant !== undefined) logs = logs.filter((l) => l === filter.tenant);
  const cursor = page.before === undefined ? null : decodeCursor(page.before);
  if (page.before !== undefined && !cursor) return { events: [] };
  if (cursor) logs = logs.filter((l) => Object.hasOwn(cursor, l));

  const readers = await Promise.all(
    logs.map(async (log) => {
      const { size, trimmed } = await store.tlogState(storeKeys.auditLog(log));
      let before = cursor ? Math.min(cursor[log]!, size) : size;
      if (!cursor && filter.to) before = await indexAfter(store, log, trimmed, size, filter.to.getTime());
      return new Backwards(store, log, before, trimmed);
    }),
  );
  const match = matcher(filter);
  const from = filter.from?.getTime();
  const remaining = () => Object.fromEntries(readers.filter((r) => !r.exhausted).map((r) => [r.log, r.position]));
  const events: AuditEvent[] = [];
  for (let scanned = 0; ; scanned++) {
    if (scanned >= MAX_SCAN) {
      const rest = remaining();
      return Object.keys(rest).length > 0 ? { events, next: encodeCursor(rest) } : { events };
    }
    let newest: { reader: Backwards; event: AuditEvent } | undefined;
    const heads = await Promise.all(readers.map((reader) => reader.peek()));
    for (const [i, event] of heads.entries()) {
      const reader = readers[i]!;
      if (!event) continue;
      // Times grow along a log: past `from`, nothing older in it can match.
      if (from !== undefined && Date.parse(event.time) < from) {
        reader.stop();
        continue;
      }
      if (!newest || event.time > newest.event.time || (event.time === newest.event.time && reader.log < newest.reader.log)) {
        newest = { reader, event };
      }
    }
    if (!newest) return { events };
    if (match(newest.event)) {
      if (events.length === limit) return { events, next: encodeCursor(remaining()) };
      events.push(newest.event);
    }
    newest.reader.take();
  }
}
