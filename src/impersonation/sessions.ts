/**
 * Impersonation sessions: started by a redemption, ended by revocation, the admin, the
 * user, a replay or expiry (PROTOCOL §3.6). The end is decided by one HSETNX, so it is
 * recorded (and audited) exactly once whoever ends it.
 */
import { IMPERSONATION_HARD_CAP_SECONDS } from '../config/schema.js';
import { keys } from '../store/keys.js';
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

/** A session's record, not yet stored: its id can go into a token while `saveSession` writes it. */
export function newSession(input: SessionInput): ImpersonationSession {
  const { duration, ...rest } = input;
  const startedAt = Date.now();
  return { ...rest, sid: newSessionId(), startedAt, expiresAt: startedAt + duration * 1000 };
}

/** Stores a session from `newSession`: its record and its three indexes, in one round trip. */
export async function saveSession(store: Store, session: ImpersonationSession, duration: number): Promise<void> {
  // Each index trims what has outlived every record it could name, and expires when unused,
  // so it holds the live and retained sessions only. The record and its indexes go out
  // together (one round trip); an index member without its record lists as nothing.
  const { startedAt } = session;
  const index = { trimBelow: startedAt - INDEX_KEEPS_SECONDS * 1000, ttl: INDEX_KEEPS_SECONDS };
  await Promise.all([
    store.hset(keys.session(session.sid), { record: JSON.stringify(session) }, duration + SESSION_HISTORY_SECONDS),
    store.zadd(keys.legacySessionsByAdmin(session.admin), startedAt, session.sid, index),
    store.zadd(keys.legacySessionsByUser(session.user), startedAt, session.sid, index),
    store.zadd(keys.legacySessionsByTenant(session.tenant), startedAt, session.sid, index),
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

export type SessionIndex = { admin: string } | { user: string } | { tenant: string };

/** Newest first. Expired-but-unmarked sessions come back as they are; callers settle them. */
export async function listSessions(store: Store, by: SessionIndex, limit = 50, offset = 0): Promise<ImpersonationSession[]> {
  const key =
    'admin' in by ? keys.legacySessionsByAdmin(by.admin) : 'user' in by ? keys.legacySessionsByUser(by.user) : keys.legacySessionsByTenant(by.tenant);
  const sids = await store.zrevrange(key, offset, offset + limit - 1);
  const sessions = await Promise.all(sids.map((sid) => findSession(store, sid)));
  return sessions.filter((s): s is ImpersonationSession => s !== null);
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
