/**
 * One-time tickets (PROTOCOL §3.2–3.4). Only the ticket's SHA-256 is a key. The first
 * presentation wins one atomic HSETNX on the record, whatever happens next; every later
 * presentation is a replay, recognised as such for as long as the session could live.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { keys } from '../store/keys.js';
import type { FieldClaim, Store } from '../store/types.js';
import { newTicket, randomHex, sha256 } from './secrets.js';

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
  /** The access request this ticket used up (PROTOCOL §5 `approval`, two-person rule). */
  accessRequest?: string;
  /** The second admin who approved it (two-person rule): `impersonation.approved_by`. */
  approvedBy?: string;
}

/**
 * The record as short hash fields, not one JSON field: with every value under Redis's
 * `hash-max-listpack-value` (64 bytes) the hash stays a compact listpack, where one long
 * JSON value made it a hashtable (704 bytes a ticket, bench/README.md). `sub` is the
 * field whose presence says the record exists (claimField's requiredField).
 */
const RECORD_FIELD = 'sub';

/**
 * Each record field's hash field. `satisfies` makes a field added to TicketRecord without
 * one here a compile error, so no field is ever dropped on the way through Redis.
 */
const HASH_FIELD = {
  subject: 'sub',
  tenant: 'ten',
  audience: 'aud',
  actor: 'act',
  scope: 'scp',
  reason: 'rsn',
  duration: 'dur',
  consoleClient: 'cli',
  requestId: 'rid',
  issuedAt: 'iat',
  actorEmail: 'aem',
  subjectEmail: 'sem',
  actorName: 'anm',
  accessRequest: 'arq',
  approvedBy: 'apb',
} as const satisfies Record<keyof TicketRecord, string>;

type RecordField = keyof typeof HASH_FIELD;
const NUMBER_FIELDS = new Set<RecordField>(['duration', 'issuedAt']);

function ticketFields(r: TicketRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, hashField] of Object.entries(HASH_FIELD) as [RecordField, string][]) {
    const value = r[field];
    if (value === undefined) continue;
    // Scopes are space-free tokens (RFC 6749 §3.3), so a space joins them without loss.
    out[hashField] = Array.isArray(value) ? value.join(' ') : String(value);
  }
  return out;
}

function ticketRecord(f: Record<string, string>): TicketRecord {
  const out: Record<string, unknown> = {};
  for (const [field, hashField] of Object.entries(HASH_FIELD) as [RecordField, string][]) {
    const value = f[hashField];
    if (value === undefined) continue;
    out[field] = field === 'scope' ? (value ? value.split(' ') : []) : NUMBER_FIELDS.has(field) ? Number(value) : value;
  }
  return { scope: [], ...out } as unknown as TicketRecord;
}

export async function mintTicket(store: Store, record: TicketRecord, ttl: number): Promise<string> {
  const ticket = newTicket();
  const key = keys.legacyTicket(sha256(ticket));
  await store.hset(key, ticketFields(record), ttl);
  // A ticket is only handed out once a failover cannot lose its record.
  await store.waitForReplicas(key);
  return ticket;
}

/** Withdraws a ticket that must not be delivered (its issue could not be audited). */
export async function discardTicket(store: Store, ticket: string): Promise<void> {
  await store.del(keys.legacyTicket(sha256(ticket)));
}

export type Presentation =
  | { kind: 'first'; record: TicketRecord; ticketHash: string; burn: string }
  | { kind: 'replay'; record: TicketRecord; ticketHash: string; sid?: string; firstReplay: boolean }
  | { kind: 'unknown' };

/**
 * Presents a ticket: exactly one caller ever gets `first`. The claim is one atomic store
 * step (mark consumed, keep the spent record for `rememberFor` seconds, read it back), so
 * the first presentation burns the ticket before anything about the request is judged.
 */
export async function presentTicket(store: Store, ticket: string, rememberFor: number): Promise<Presentation> {
  const ticketHash = sha256(ticket);
  const key = keys.legacyTicket(ticketHash);
  const now = String(Date.now());
  // Unique to this presentation, so that only it can give the ticket back (giveBackTicket).
  const burn = `${now}.${randomHex(6)}`;
  let claim: FieldClaim | null;
  try {
    claim = await store.claimField(key, 'consumedAt', burn, { requiredField: RECORD_FIELD, ttl: rememberFor });
    // A burned marker a failover could lose would let the ticket be redeemed again.
    if (claim?.claimed) await store.waitForReplicas(key);
  } catch (err) {
    // The store failed after the burn, or the burn's reply was lost on the way: give back
    // whatever this presentation may have burned.
    giveBackTicket(store, ticketHash, burn);
    throw err;
  }
  if (!claim) return { kind: 'unknown' };
  const record = ticketRecord(claim.fields);
  if (claim.claimed) return { kind: 'first', record, ticketHash, burn };
  // Mark the replay, then read the session id in the same step: see linkSession.
  const replay = await store.claimField(key, 'replayedAt', now, { requiredField: RECORD_FIELD, ttl: rememberFor });
  return { kind: 'replay', record, ticketHash, sid: replay?.fields.sid, firstReplay: Boolean(replay?.claimed) };
}

/**
 * Links the session to its spent ticket, then reports whether a replay was seen meanwhile.
 * Either this writer or the replaying one sees the other's write (one key, one order),
 * so a racing replay always ends the session. One atomic step (set `sid`, read the hash
 * back), so one round trip; `rememberFor` is the spent record's lifetime, as at the burn.
 */
export async function linkSession(store: Store, ticketHash: string, sid: string, rememberFor: number): Promise<{ replayed: boolean }> {
  const claim = await store.claimField(keys.legacyTicket(ticketHash), 'sid', sid, { requiredField: RECORD_FIELD, ttl: rememberFor });
  return { replayed: Boolean(claim?.fields.replayedAt) };
}

/** Retry delays for giving a ticket back while the store is away (about half a minute in all). */
const GIVE_BACK_DELAYS_MS = [0, 250, 500, ...Array<number>(30).fill(1000)];

/**
 * A redemption that failed on the store's side after burning its ticket, before anything
 * left this process (no token answered), gives the ticket back: the tenant's retry then
 * redeems it, so a 503 burns nothing. `undo` (ending the session the failed attempt had
 * started) runs first. Only this presentation's own burn is removed, with any replay mark
 * a retry left meanwhile and the session link the attempt may have written. Runs in the background, retried while the store is unreachable;
 * a ticket whose give-back never got through (the process died) stays burned.
 */
export function giveBackTicket(store: Store, ticketHash: string, burn: string, undo?: () => Promise<unknown>): void {
  void (async () => {
    for (const delay of GIVE_BACK_DELAYS_MS) {
      if (delay) await sleep(delay, undefined, { ref: false });
      try {
        await undo?.();
        // With the failed attempt's session link too: a link that timed out may have landed,
        // and a later replay must name the next winner's session, not this dead one.
        await store.hdelIfEquals(keys.legacyTicket(ticketHash), 'consumedAt', burn, ['replayedAt', 'sid']);
        return;
      } catch {
        // The store is still away: try again later.
      }
    }
  })();
}
