/**
 * One-time tickets (PROTOCOL §3.2–3.4). A ticket carries its record sealed (ticket-seal.ts);
 * the store keeps only its one-time state, in its tenant's slot under the SHA-256 of the
 * ticket, written in one step with its `impersonation.ticket_issued` leaf. The first
 * presentation claims it in one step that, unless the redemption is refused, also stores
 * the session with its indexes and its `impersonation.started` leaf; every later
 * presentation is a replay, recognised as such for as long as the session could live.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { keys } from '../store/keys.js';
import type { RevocationGuard, Store, TicketRedemptionResult } from '../store/types.js';
import { type MintedUnder, revocationGuards } from './revocations.js';
import { randomHex, sha256Key } from './secrets.js';
import type { TicketSeal } from './ticket-seal.js';

/** What a ticket carries: what its redemption needs, and nothing else. */
export interface TicketRecord extends MintedUnder {
  subject: string;
  tenant: string;
  audience: string;
  actor: string;
  scope: string[];
  reason: string;
  duration: number;
  /** When it was minted (ms). */
  issuedAt: number;
  /** The admin's roles when it was minted: redemption re-checks that they still cover the tenant. */
  actorRoles: string[];
  /** Whether the user is `sensitive` (only some roles cover them). */
  subjectSensitive: boolean;
  /** For people reading audit events and notifications (ids stay the reference). */
  actorEmail?: string;
  subjectEmail?: string;
  /** The admin's display name, for the tenant's `impersonation.actor_display`. */
  actorName?: string;
  /** The second admin who approved it (two-person rule): `impersonation.approved_by`. */
  approvedBy?: string;
}

/**
 * Each record field's short name in the sealed JSON. `satisfies` makes a field added to
 * TicketRecord without one here a compile error, so nothing is dropped on the way.
 */
const SHORT = {
  subject: 's',
  tenant: 't',
  audience: 'a',
  actor: 'x',
  scope: 'c',
  reason: 'r',
  duration: 'd',
  issuedAt: 'i',
  actorRevocations: 'xr',
  subjectRevocations: 'sr',
  actorRoles: 'xo',
  subjectSensitive: 'ss',
  actorEmail: 'xe',
  subjectEmail: 'se',
  actorName: 'xn',
  approvedBy: 'ab',
} as const satisfies Record<keyof TicketRecord, string>;

type Field = keyof typeof SHORT;

function encode(record: TicketRecord): string {
  const out: Record<string, unknown> = {};
  for (const [field, short] of Object.entries(SHORT) as [Field, string][]) if (record[field] !== undefined) out[short] = record[field];
  return JSON.stringify(out);
}

function decode(json: string): TicketRecord | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
  const out: Record<string, unknown> = {};
  for (const [field, short] of Object.entries(SHORT) as [Field, string][]) if (raw[short] !== undefined) out[field] = raw[short];
  const r = out as unknown as TicketRecord;
  // Only this code seals, so a record missing its essentials is from an incompatible release.
  const complete = [r.subject, r.tenant, r.audience, r.actor, r.reason].every((v) => typeof v === 'string') && Array.isArray(r.scope) && Number.isFinite(r.duration);
  return complete ? Object.assign({ actorRoles: [], subjectSensitive: false, actorRevocations: 0, subjectRevocations: 0 }, r) : null;
}

/** Sealing and opening tickets with the deployment's keys. */
export interface Tickets {
  /** A new ticket for `record`. */
  issue(record: TicketRecord): string;
  /** The record a ticket carries, or null when it is not one of ours. */
  open(ticket: string): TicketRecord | null;
}

export function ticketsSealedWith(seal: TicketSeal): Tickets {
  return {
    issue: (record) => seal.seal(encode(record)),
    open: (ticket) => {
      const json = seal.open(ticket);
      return json === null ? null : decode(json);
    },
  };
}

/** The ticket's one-time state: in its tenant's slot, keyed by the SHA-256 of the whole ticket. */
export const ticketStateKey = (tenant: string, ticket: string) => keys.ticket(tenant, sha256Key(ticket));

/** The guards a leg's step checks: the accounts' revocations since the mint read them. */
export const ticketGuards = (record: TicketRecord): RevocationGuard[] => revocationGuards(record.tenant, record);

/** Unique to one presentation, so that only it can give the ticket back (giveBackTicket). */
export const newBurnMark = () => `${Date.now()}.${randomHex(6)}`;

export type Presentation = TicketRedemptionResult;

/** Retry delays for giving a ticket back while the store is away (about half a minute in all). */
const GIVE_BACK_DELAYS_MS = [0, 250, 500, ...Array<number>(30).fill(1000)];

/**
 * A redemption that failed on the store's side after its step may have claimed the ticket,
 * before anything left this process (no token answered), gives the ticket back: the
 * tenant's retry then redeems it, so a 503 burns nothing. `undo` (ending the session the
 * failed attempt may have started) runs first. Only this presentation's own burn is
 * removed, with any replay mark a retry left meanwhile and the session link the attempt
 * wrote. Runs in the background, retried while the store is unreachable; a ticket whose
 * give-back never got through (the process died) stays burned.
 */
export function giveBackTicket(store: Store, stateKey: string, burn: string, undo?: () => Promise<unknown>): void {
  void (async () => {
    for (const delay of GIVE_BACK_DELAYS_MS) {
      if (delay) await sleep(delay, undefined, { ref: false });
      try {
        await undo?.();
        // With the failed attempt's session link too, so a later replay names the next winner's session.
        await store.hdelIfEquals(stateKey, 'consumedAt', burn, ['replayedAt', 'sid', 'si', 'rc']);
        return;
      } catch {
        // The store is still away: try again later.
      }
    }
  })();
}
