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
  const key = keys.ticket(sha256(ticket));
  await store.hset(key, { record: JSON.stringify(record) }, ttl);
  // A ticket is only handed out once a failover cannot lose its record.
  await store.waitForReplicas(key);
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

/**
 * Presents a ticket: exactly one caller ever gets `first`. The claim is one atomic store
 * step (mark consumed, keep the spent record for `rememberFor` seconds, read it back), so
 * the first presentation burns the ticket before anything about the request is judged.
 */
export async function presentTicket(store: Store, ticket: string, rememberFor: number): Promise<Presentation> {
  const ticketHash = sha256(ticket);
  const key = keys.ticket(ticketHash);
  const now = String(Date.now());
  const claim = await store.claimField(key, 'consumedAt', now, { requiredField: 'record', ttl: rememberFor });
  if (!claim) return { kind: 'unknown' };
  const record = JSON.parse(claim.fields.record!) as TicketRecord;
  if (claim.claimed) {
    // A burned marker a failover could lose would let the ticket be redeemed again.
    await store.waitForReplicas(key);
    return { kind: 'first', record, ticketHash };
  }
  // Mark the replay, then read the session id in the same step: see linkSession.
  const replay = await store.claimField(key, 'replayedAt', now, { requiredField: 'record', ttl: rememberFor });
  return { kind: 'replay', record, ticketHash, sid: replay?.fields.sid, firstReplay: Boolean(replay?.claimed) };
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
