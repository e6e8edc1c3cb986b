import { GatehouseRpError } from '../errors.js';
import type { IntrospectionResponse } from '../types.js';

interface Entry {
  /** Token expiry, seconds since the epoch; the entry is dropped after it. */
  exp: number;
  /** When introspection last said active, ms since the epoch. */
  checkedAt: number;
  ended: boolean;
  /** An introspection in flight: concurrent requests of one session share it. */
  pending?: Promise<GatehouseRpError | null>;
}

const SWEEP_INTERVAL_MS = 60_000;

/** In-process memory of which impersonation sessions introspection confirmed, and when. */
export interface RecheckCache {
  /** null while the session may go on; else why it must end. Introspects at most every `recheckMs`. */
  check(sid: string, exp: number, token: string): Promise<GatehouseRpError | null>;
  /** The token endpoint just issued this session: it is active now. */
  markActive(sid: string, exp: number): void;
  /** The session was stopped here: never ask again. */
  markEnded(sid: string, exp: number): void;
}

/**
 * Creates the per-middleware cache of introspection results, keyed by impersonation sid.
 * Verifying the JWT says the token *was* issued; only RFC 7662 introspection says the session
 * was not ended since (by the admin, the user, a ticket replay). Bounded by the number of live
 * sessions: expired entries are swept.
 */
export function createRecheckCache(
  recheckMs: number,
  introspect: (token: string) => Promise<IntrospectionResponse>,
): RecheckCache {
  const entries = new Map<string, Entry>();
  let lastSweep = Date.now();

  function sweep(now: number): void {
    if (now - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = now;
    for (const [sid, entry] of entries) if (entry.exp * 1000 < now) entries.delete(sid);
  }

  async function ask(sid: string, entry: Entry, token: string): Promise<GatehouseRpError | null> {
    try {
      const { active } = await introspect(token);
      if (active === true) {
        entry.checkedAt = Date.now();
        return null;
      }
      entry.ended = true;
      return new GatehouseRpError('session_ended', 'Gatehouse reports the impersonation session has ended (RFC 7662 active: false)');
    } catch (err) {
      if (!(err instanceof GatehouseRpError)) throw err;
      // Fail closed. Introspection is the only way this app learns that the admin, the user or
      // Gatehouse ended the session; while it cannot be asked, an ended impersonation would go on
      // for the token's whole lifetime. Impersonation is a privilege, not the user's own session:
      // losing it costs the admin one new ticket, keeping it wrongly costs the user's trust.
      entries.delete(sid);
      return err;
    }
  }

  return {
    check(sid, exp, token) {
      const now = Date.now();
      sweep(now);
      let entry = entries.get(sid);
      if (entry?.ended) {
        return Promise.resolve(new GatehouseRpError('session_ended', 'the impersonation session has ended'));
      }
      if (entry && !entry.pending && now - entry.checkedAt < recheckMs) return Promise.resolve(null);
      if (!entry) {
        entry = { exp, checkedAt: 0, ended: false };
        entries.set(sid, entry);
      }
      const current = entry;
      current.pending ??= ask(sid, current, token).finally(() => {
        current.pending = undefined;
      });
      return current.pending;
    },
    markActive(sid, exp) {
      entries.set(sid, { exp, checkedAt: Date.now(), ended: false });
    },
    markEnded(sid, exp) {
      entries.set(sid, { exp, checkedAt: Date.now(), ended: true });
    },
  };
}
