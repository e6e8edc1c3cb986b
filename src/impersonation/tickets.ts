/**
 * One-time tickets (PROTOCOL §3.2–3.4). Only the ticket's SHA-256 is a key. The first
 * presentation wins one atomic HSETNX on the record, whatever happens next; every later
 * presentation is a replay, recognised as such for as long as the session could live.
 */
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { newTicket, sha256 } from './secrets.js';

export interface TicketRecord {
  subject: string;
  tenant: string;
  audience: string;
  actor: string;
  scope: string[];
  reason: string;
  duration: number;
  consoleClient: string;
  requestId: string;
  issuedAt: number;
  /** For people reading audit events and notifications (ids stay the reference). */
  actorEmail?: string;
  subjectEmail?: string;
  /** The admin's display name, for the tenant's `impersonation.actor_display`. */
  actorName?: string;
}

export async function mintTicket(store: Store, record: TicketRecord, ttl: number): Promise<string> {
  const ticket = newTicket();
  await store.hset(keys.ticket(sha256(ticket)), { record: JSON.stringify(record) }, ttl);
  return ticket;
}

/** Withdraws a ticket that must not be delivered (its issue could not be audited). */
export async function discardTicket(store: Store, ticket: string): Promise<void> {
  await store.del(keys.ticket(sha256(ticket)));
}

export type Presentation =
  | { kind: 'first'; record: TicketRecord; ticketHash: string }
  | { kind: 'replay'; record: TicketRecord; ticketHash: string; sid?: string; firstReplay: boolean }
  | { kind: 'unknown' };

/** Presents a ticket: exactly one caller ever gets `first`. */
export async function presentTicket(store: Store, ticket: string, rememberFor: number): Promise<Presentation> {
  const ticketHash = sha256(ticket);
  const key = keys.ticket(ticketHash);
  const now = String(Date.now());
  const won = await store.hsetnx(key, 'consumedAt', now);
  const fields = await store.hgetall(key);
  if (!fields?.record) {
    // Unknown or expired: HSETNX may just have created a stray hash; drop it.
    if (won) await store.del(key);
    return { kind: 'unknown' };
  }
  const record = JSON.parse(fields.record) as TicketRecord;
  if (won) {
    // Keep the spent record long enough to recognise replays during the session.
    await store.expire(key, rememberFor);
    return { kind: 'first', record, ticketHash };
  }
  const firstReplay = await store.hsetnx(key, 'replayedAt', now);
  const sid = (await store.hgetall(key))?.sid;
  return { kind: 'replay', record, ticketHash, sid, firstReplay };
}

/**
 * Links the session to its spent ticket, then reports whether a replay was seen meanwhile.
 * Either this writer or the replaying one sees the other's write (one key, one order),
 * so a racing replay always ends the session.
 */
export async function linkSession(store: Store, ticketHash: string, sid: string): Promise<{ replayed: boolean }> {
  const key = keys.ticket(ticketHash);
  await store.hset(key, { sid });
  const fields = await store.hgetall(key);
  return { replayed: Boolean(fields?.replayedAt) };
}
