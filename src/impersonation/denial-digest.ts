/**
 * Repeated identical refusals become one audit event with a count (issue 8 row 7): of the
 * refusals of one kind (reason code and client) in one window, the first is appended at
 * once, the others are only counted; once the window has closed, one more event carries
 * how many they were (`details.count`). None is dropped: every instance counts in the
 * store (INCR), and whichever instance flushes a closed window first takes its count
 * (GETDEL) and appends it; if that append fails the count goes back for the next flush.
 */
import type { AuditEventInput } from '../audit/events.js';
import type { Logger } from '../log.js';
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import type { AuditSink } from './end.js';

export type DigestedDenial = Omit<AuditEventInput, 'type' | 'outcome' | 'code' | 'client'> & { code: string; client: string };

export interface DenialDigest {
  /** Counts the refusal; appends it when it is the first of its kind in the current window. */
  record(denial: DigestedDenial): Promise<void>;
  /** Appends the counts of windows closed by `now`; returns how many events it appended. */
  flush(now?: number): Promise<number>;
  /** Flushes every `intervalMs` until `stop`. */
  start(intervalMs?: number): void;
  stop(): void;
}

/** Clocks of instances differ a little: a window is flushed this long after it closed. */
const GRACE_MS = 2_000;
/** A count survives this long without any flush (every instance down) before Redis drops it. */
const COUNT_TTL_SECONDS = 86_400;

interface Digest {
  code: string;
  client: string;
  tenant?: string;
  /** Window number: start = window × windowMs. */
  window: number;
}

export function createDenialDigest(store: Store, audit: AuditSink, options: { windowSeconds: number; logger: Logger }): DenialDigest {
  const windowMs = options.windowSeconds * 1000;
  const countKey = (d: Digest) => keys.denialCount(`${d.code}:${d.client}:${d.window}`);
  let timer: NodeJS.Timeout | undefined;

  async function flushOne(member: string, now: number): Promise<boolean> {
    const digest = JSON.parse(member) as Digest;
    if ((digest.window + 1) * windowMs + GRACE_MS > now) return false;
    const taken = await store.getdel(countKey(digest));
    await store.zrem(keys.denialDigests(), member);
    // The first refusal was appended on its own; the count is of the others.
    const others = Number(taken ?? 0) - 1;
    if (others < 1) return false;
    try {
      await audit.append({
        type: 'impersonation.denied',
        outcome: 'failure',
        code: digest.code,
        client: digest.client,
        ...(digest.tenant ? { tenant: digest.tenant } : {}),
        details: {
          count: others,
          aggregated: true,
          windowStart: new Date(digest.window * windowMs).toISOString(),
          windowEnd: new Date((digest.window + 1) * windowMs).toISOString(),
        },
      });
      return true;
    } catch (err) {
      await store.set(countKey(digest), String(others + 1), { ttl: COUNT_TTL_SECONDS });
      await store.zadd(keys.denialDigests(), (digest.window + 1) * windowMs, member);
      throw err;
    }
  }

  const digest: DenialDigest = {
    async record(denial) {
      const window = Math.floor(Date.now() / windowMs);
      const d: Digest = { code: denial.code, client: denial.client, ...(denial.tenant ? { tenant: denial.tenant } : {}), window };
      const n = await store.incr(countKey(d), COUNT_TTL_SECONDS);
      if (n !== 1) return;
      // Listed for the flush before the first event goes out, so no count is ever orphaned.
      await store.zadd(keys.denialDigests(), (window + 1) * windowMs, JSON.stringify(d));
      await audit.append({ ...denial, type: 'impersonation.denied', outcome: 'failure', details: { ...denial.details, repeatsCounted: true } });
    },

    async flush(now = Date.now()) {
      let appended = 0;
      for (const member of await store.zrevrange(keys.denialDigests(), 0, -1)) {
        if (await flushOne(member, now)) appended++;
      }
      return appended;
    },

    start(intervalMs = 1_000) {
      timer ??= setInterval(() => {
        digest.flush().catch((err) => options.logger.error({ err }, 'could not append a refusal count'));
      }, intervalMs);
      // Never keeps a finished process alive.
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
  return digest;
}
