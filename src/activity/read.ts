/**
 * Reading a session's activity record (see record.ts for how it is written). Kept apart so
 * the session's end can count it without depending on the reporting rules.
 */
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { type ActivityEntry, decodeActivity, describeActivity } from './entries.js';

/** A session's activity in time order (at most `limit` entries), and how many there are. */
export async function listActivity(store: Store, sid: string, limit: number): Promise<{ entries: ActivityEntry[]; total: number }> {
  const [stored, total] = await Promise.all([store.lrange(keys.sessionActivity(sid), 0, limit - 1), store.llen(keys.sessionActivity(sid))]);
  const entries = stored.map(decodeActivity).filter((e): e is ActivityEntry => e !== null);
  // Reports from several app processes may interleave: show them by time.
  entries.sort((a, b) => a.at - b.at);
  return { entries, total };
}

/** How many entries a session's activity record holds. */
export function countActivity(store: Store, sid: string): Promise<number> {
  return store.llen(keys.sessionActivity(sid));
}

/** How many entries a page shows per session; the rest is counted. */
export const ACTIVITY_SHOWN = 100;

/** What a page shows of a session's activity: time (UTC) and words per entry, and how many more. */
export async function activityLines(store: Store, sid: string, limit = ACTIVITY_SHOWN) {
  const { entries, total } = await listActivity(store, sid, limit);
  return {
    total,
    more: total - entries.length,
    lines: entries.map((e) => ({ time: new Date(e.at).toISOString().slice(11, 19), text: describeActivity(e), blocked: e.blocked })),
  };
}
