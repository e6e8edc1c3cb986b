/**
 * What support did, kept per impersonation session (PROTOCOL §7, §8): the tenant app's RP
 * kit reports batches of requests; Gatehouse keeps them beside the session record, for as
 * long as it (same TTL), within a cap per session. A tenant client reports only for the
 * sessions it redeemed, and only while they are on.
 */
import { type AuditSink, settleSession } from '../impersonation/end.js';
import { findSession, SESSION_HISTORY_SECONDS, SESSION_ID } from '../impersonation/sessions.js';
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { ACTIVITY_CLOCK_SKEW_MS, type ActivityEntry, encodeActivity, readActivityEntry } from './entries.js';
import { ActivityError } from './reasons.js';

export interface ActivityLimits {
  /** Entries one report may carry (config `policy.activityPerBatch`). */
  perBatch: number;
  /** Entries one session may hold (config `policy.activityPerSession`). */
  perSession: number;
}

/** The tenant client a report was authenticated as. */
export interface ReportingClient {
  clientId: string;
  tenant: string;
}


/** The report's session id and entries, checked, or an ActivityError. */
function readReport(body: unknown, limits: ActivityLimits): { sid: string; entries: ActivityEntry[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ActivityError('body_invalid');
  const { sid, activity } = body as Record<string, unknown>;
  if (typeof sid !== 'string' || !SESSION_ID.test(sid)) throw new ActivityError('body_invalid', 'sid must be the impersonation session id (impersonation.sid of the token)');
  if (!Array.isArray(activity) || activity.length === 0) throw new ActivityError('body_invalid', 'activity must be a non-empty array of entries');
  if (activity.length > limits.perBatch) throw new ActivityError('batch_too_large', `at most ${limits.perBatch} entries per report`);
  const entries = activity.map((value, i) => {
    const entry = readActivityEntry(value);
    if (typeof entry === 'string') throw new ActivityError('entry_invalid', `activity[${i}]: ${entry}`);
    return entry;
  });
  return { sid, entries };
}

/**
 * Records one report. Refusals, in an order that tells a client nothing about sessions
 * that are not its own: shape, then ownership (its client id and tenant), then the
 * session's lifetime, then the per-session cap (atomic across processes).
 */
export async function recordActivity(
  store: Store,
  audit: AuditSink,
  client: ReportingClient,
  body: unknown,
  limits: ActivityLimits,
  now = Date.now(),
): Promise<{ recorded: number; total: number }> {
  const { sid, entries } = readReport(body, limits);
  const session = await findSession(store, sid);
  if (!session || session.client !== client.clientId || session.tenant !== client.tenant) throw new ActivityError('session_unknown');
  // An expired session that nobody settled yet is settled (audited once) here.
  if (!(await settleSession(store, audit, sid))) throw new ActivityError('session_ended');
  for (const [i, entry] of entries.entries()) {
    if (entry.at < session.startedAt - ACTIVITY_CLOCK_SKEW_MS || entry.at > now + ACTIVITY_CLOCK_SKEW_MS) {
      throw new ActivityError('entry_outside_session', `activity[${i}]: at lies outside the impersonation session`);
    }
  }
  // The same life as the session record: its end of life is expiresAt + the history period.
  const ttl = Math.ceil((session.expiresAt - now) / 1000) + SESSION_HISTORY_SECONDS;
  const total = await store.rpushCapped(keys.sessionActivity(sid), entries.map(encodeActivity), { max: limits.perSession, ttl });
  if (total === null) {
    const held = await store.llen(keys.sessionActivity(sid));
    throw new ActivityError('session_full', `the session's activity record holds ${held} of at most ${limits.perSession} entries; ${entries.length} more do not fit`);
  }
  return { recorded: entries.length, total };
}
