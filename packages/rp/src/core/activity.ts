import { GatehouseRpError } from '../errors.js';
import { reportActivity } from '../token/report-activity.js';
import type { ActivityEntry, ClientCredentials } from '../types.js';
import type { GatehouseRpEvent } from './types.js';

/** Gatehouse accepts at least this many entries per report (its `activityPerBatch` is 50 or more). */
export const ACTIVITY_BATCH = 50;
/** Entries kept per session while Gatehouse cannot be reached; later ones are counted as lost. */
const MAX_PENDING = 500;
const MAX_PATH = 512;

/** What the kit records of one request; the adapters fill it from their framework. */
export interface ActivityRecord {
  method: string;
  path: string;
  route?: unknown;
  status: number;
  at: number;
  blocked: boolean;
}

/** Records the requests of impersonation sessions and reports them to Gatehouse in batches. */
export interface ActivityRecorder<Ctx> {
  record(sid: string, record: ActivityRecord, ctx: Ctx): void;
  /** Sends what is queued for a session now (before the kit stops it: Gatehouse refuses reports after). */
  flush(sid: string): Promise<void>;
  /** Forgets what is queued for a session that ended elsewhere (Gatehouse would refuse it). */
  discard(sid: string): void;
}

interface Queue<Ctx> {
  entries: ActivityEntry[];
  /** The request that recorded the latest entry: events about the batch are reported with it. */
  ctx: Ctx;
  sending?: Promise<void>;
}

/** A path as Gatehouse takes it: percent-encoded, without query or fragment, at most 512 characters. */
function wirePath(path: string): string {
  const pathname = new URL(path.startsWith('/') ? path : `/${path}`, 'http://kit.invalid').pathname;
  return pathname.length > MAX_PATH ? `${pathname.slice(0, MAX_PATH - 3)}...` : pathname;
}

/** The status an error thrown past the kit will most likely be answered with (Koa, Express and http-errors set `status`). */
export function statusOfError(err: unknown): number {
  const { status, statusCode } = (err ?? {}) as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value <= 599 ? value : 500;
}

function toEntry(record: ActivityRecord): ActivityEntry {
  const route = typeof record.route === 'string' && record.route.startsWith('/') ? wirePath(record.route) : undefined;
  return {
    method: /^[A-Za-z-]{1,20}$/.test(record.method) ? record.method.toUpperCase() : 'OTHER',
    path: wirePath(record.path),
    ...(route ? { route } : {}),
    status: Number.isInteger(record.status) && record.status >= 100 && record.status <= 599 ? record.status : 500,
    at: Math.round(record.at),
    blocked: record.blocked,
  };
}

/**
 * Per session, entries wait at most `flushMs` (or until a batch is full) and go to Gatehouse in
 * order, one report at a time. A refused report (4xx: the session ended, a limit) is dropped and
 * reported as `activity_not_recorded`; an unreachable Gatehouse keeps them for the next round.
 * Timers never keep a process alive.
 */
export function createActivityRecorder<Ctx>(
  credentials: ClientCredentials,
  flushMs: number,
  emit: (event: GatehouseRpEvent, ctx: Ctx) => void,
): ActivityRecorder<Ctx> {
  const queues = new Map<string, Queue<Ctx>>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  function schedule(): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      for (const sid of queues.keys()) void flush(sid);
    }, flushMs);
    (timer as { unref?: () => void }).unref?.();
  }

  async function send(sid: string, queue: Queue<Ctx>): Promise<void> {
    while (queue.entries.length > 0) {
      const batch = queue.entries.slice(0, ACTIVITY_BATCH);
      try {
        await reportActivity(sid, batch, credentials);
        queue.entries.splice(0, batch.length);
      } catch (err) {
        if (!(err instanceof GatehouseRpError)) throw err;
        if (err.code === 'issuer_unreachable') return schedule();
        // Refused: the rest would be too (the session ended, or its record is full).
        const count = queue.entries.length;
        queue.entries.length = 0;
        emit({ type: 'activity_not_recorded', sid, count, error: err }, queue.ctx);
      }
    }
    if (queues.get(sid) === queue && queue.entries.length === 0) queues.delete(sid);
  }

  function flush(sid: string): Promise<void> {
    const queue = queues.get(sid);
    if (!queue) return Promise.resolve();
    // One report at a time per session, in order; a flush waits for the one in flight.
    const run = (queue.sending ?? Promise.resolve()).then(() => send(sid, queue)).catch(() => undefined);
    queue.sending = run;
    void run.finally(() => {
      if (queue.sending === run) queue.sending = undefined;
    });
    return run;
  }

  return {
    record(sid, record, ctx) {
      let queue = queues.get(sid);
      if (!queue) {
        queue = { entries: [], ctx };
        queues.set(sid, queue);
      }
      queue.ctx = ctx;
      if (queue.entries.length >= MAX_PENDING) {
        const error = new GatehouseRpError('issuer_unreachable', `more than ${MAX_PENDING} activity entries wait for Gatehouse`);
        emit({ type: 'activity_not_recorded', sid, count: 1, error }, ctx);
        return;
      }
      queue.entries.push(toEntry(record));
      if (queue.entries.length >= ACTIVITY_BATCH) void flush(sid);
      else schedule();
    },
    flush,
    discard(sid) {
      const queue = queues.get(sid);
      if (queue) queue.entries.length = 0;
      queues.delete(sid);
    },
  };
}
