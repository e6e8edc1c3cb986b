/**
 * Impersonation sessions: started by a redemption, ended by revocation, the admin, the
 * user, a replay or expiry (PROTOCOL §3.6). The end is decided by one HSETNX, so it is
 * recorded (and audited) exactly once whoever ends it.
 */
import { IMPERSONATION_HARD_CAP_SECONDS } from '../config/schema.js';
import { keys } from '../store/keys.js';

/** The shape of a session id, before and since they name their tenant (`imp_<tenant>_<random>`). */
export { SESSION_ID } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { newSessionId } from './secrets.js';

/** How long ended sessions stay listable as "past sessions". */
export const SESSION_HISTORY_SECONDS = 30 * 86400;

/**
 * How long an index keeps a session: its record lives `duration + SESSION_HISTORY_SECONDS`
 * and no session runs longer than the hard cap, so a member started before that can only
 * point at nothing.
 */
const INDEX_KEEPS_SECONDS = IMPERSONATION_HARD_CAP_SECONDS + SESSION_HISTORY_SECONDS;

export type EndReason =
  | 'revoked'
  | 'ended_by_admin'
  | 'ended_by_user'
  | 'ticket_replayed'
  | 'expired'
  /** PROTOCOL §10.2: the admin or the user was disabled, or the admin's roles stopped covering the tenant. */
  | 'admin_disabled'
  | 'user_disabled'
  | 'admin_role_removed'
  /** PROTOCOL §11: the tenant was disabled, the session's client deleted, or its domain removed. */
  | 'tenant_disabled'
  | 'client_removed'
  | 'domain_removed';

export interface ImpersonationSession {
  sid: string;
  admin: string;
  user: string;
  tenant: string;
  audience: string;
  client: string;
  reason: string;
  scope: string[];
  startedAt: number;
  expiresAt: number;
  endedAt?: number;
  endReason?: EndReason;
  endedBy?: string;
}

export function isActive(s: ImpersonationSession, now = Date.now()) {
  return !s.endedAt && s.expiresAt > now;
}

type SessionInput = Omit<ImpersonationSession, 'sid' | 'startedAt' | 'expiresAt'> & { duration: number };

export async function startSession(store: Store, input: SessionInput): Promise<ImpersonationSession> {
  const session = newSession(input);
  await saveSession(store, session, input.duration);
  return session;
}

/** A session's record, not yet stored: its id can go into a token while a leg's step writes it. */
export function newSession(input: SessionInput): ImpersonationSession {
  const { duration, ...rest } = input;
  const startedAt = Date.now();
  return { ...rest, sid: newSessionId(input.tenant), startedAt, expiresAt: startedAt + duration * 1000 };
}

/**
 * What storing a session writes, all in its tenant's slot: its record (kept `duration` plus
 * the history) and its three indexes. Each index trims what has outlived every record it
 * could name, and expires when unused, so it holds the live and retained sessions only.
 */
export function sessionWrites(session: ImpersonationSession, duration: number) {
  const { sid, tenant, startedAt } = session;
  const index = { score: startedAt, trimBelow: startedAt - INDEX_KEEPS_SECONDS * 1000, ttl: INDEX_KEEPS_SECONDS };
  return {
    session: { key: keys.session(sid), sid, fields: { record: JSON.stringify(session) }, ttl: duration + SESSION_HISTORY_SECONDS },
    indexes: [
      { key: keys.sessionsByAdmin(tenant, session.admin), ...index },
      { key: keys.sessionsByUser(tenant, session.user), ...index },
      { key: keys.sessionsByTenant(tenant), ...index },
    ],
  };
}

/**
 * Stores a session from `newSession` outside a redemption (its record and indexes, one
 * round trip, not atomic): sessions are started by the redemption's step (TicketRedemption)
 * with their audit event; this is for seeding them where no ticket is involved.
 */
export async function saveSession(store: Store, session: ImpersonationSession, duration: number): Promise<void> {
  const writes = sessionWrites(session, duration);
  await Promise.all([
    store.hset(writes.session.key, writes.session.fields, writes.session.ttl),
    ...writes.indexes.map((i) => store.zadd(i.key, i.score, session.sid, { trimBelow: i.trimBelow, ttl: i.ttl })),
  ]);
}

export async function findSession(store: Store, sid: string): Promise<ImpersonationSession | null> {
  return sessionFromFields(await store.hgetall(keys.session(sid)));
}

/** A session from its stored hash (read by `findSession`, or in a pipeline with other reads). */
export function sessionFromFields(fields: Record<string, string> | null): ImpersonationSession | null {
  if (!fields?.record) return null;
  const session = JSON.parse(fields.record) as ImpersonationSession;
  if (fields.endedAt) {
    session.endedAt = Number(fields.endedAt);
    session.endReason = fields.endReason as EndReason;
    session.endedBy = fields.endedBy || undefined;
  }
  return session;
}

/**
 * Ends a session once. Returns the ended session when this call ended it, null when it was
 * unknown or already ended (so callers audit exactly one end).
 */
export async function endSession(
  store: Store,
  sid: string,
  endReason: EndReason,
  endedBy?: string,
): Promise<ImpersonationSession | null> {
  const key = keys.session(sid);
  const session = await findSession(store, sid);
  if (!session || session.endedAt) return null;
  const now = Date.now();
  const endedAt = endReason === 'expired' ? session.expiresAt : now;
  if (!(await store.hsetnx(key, 'endedAt', String(endedAt)))) return null;
  await store.hset(key, { endReason, endedBy: endedBy ?? '' });
  // An end a failover could lose would bring a revoked session back to life.
  await store.waitForReplicas(key);
  return { ...session, endedAt, endReason, endedBy };
}

/**
 * Which sessions to list: an admin's (across `tenants`, every tenant an admin may have had a
 * session in), a user's (in their tenant), or a tenant's.
 */
export type SessionIndex = { admin: string; tenants: readonly string[] } | { user: string; tenant: string } | { tenant: string };

/** The index keys of `by`: in the tenants' slots, and where sessions from before that were indexed. */
function indexKeys(by: SessionIndex): string[] {
  if ('admin' in by) return [...by.tenants.map((t) => keys.sessionsByAdmin(t, by.admin)), keys.legacySessionsByAdmin(by.admin)];
  if ('user' in by) return [keys.sessionsByUser(by.tenant, by.user), keys.legacySessionsByUser(by.user)];
  return [keys.sessionsByTenant(by.tenant), keys.legacySessionsByTenant(by.tenant)];
}

/** Newest first. Expired-but-unmarked sessions come back as they are; callers settle them. */
export async function listSessions(store: Store, by: SessionIndex, limit = 50, offset = 0): Promise<ImpersonationSession[]> {
  // Each index holds its part newest first: the first offset + limit of each cover the page.
  const sids = (await Promise.all(indexKeys(by).map((key) => store.zrevrange(key, 0, offset + limit - 1)))).flat();
  const sessions = (await Promise.all([...new Set(sids)].map((sid) => findSession(store, sid)))).filter((s): s is ImpersonationSession => s !== null);
  return sessions.sort((a, b) => b.startedAt - a.startedAt || (a.sid < b.sid ? 1 : -1)).slice(offset, offset + limit);
}

const PAGE = 100;

/**
 * The sessions of an index that may still be on, walking it newest first only as far back
 * as the longest session could have started (the hard cap), whatever the history holds.
 */
export async function listLiveSessions(store: Store, by: SessionIndex, now = Date.now()): Promise<ImpersonationSession[]> {
  const oldestStart = now - IMPERSONATION_HARD_CAP_SECONDS * 1000;
  const live: ImpersonationSession[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await listSessions(store, by, PAGE, offset);
    live.push(...page.filter((s) => isActive(s, now)));
    if (page.length < PAGE || page.at(-1)!.startedAt < oldestStart) return live;
  }
}
