/**
 * The impersonation legs' atomic steps on the memory store, with the same replies as the
 * Redis scripts (legs-redis.ts). Each runs synchronously, so it is atomic in the one process.
 */
import type { TlogKeys } from './tlog.js';
import type { RevocationGuard, Store, TicketCommitResult, TicketRedemptionResult } from './types.js';

/** What the memory store lends its legs: synchronous steps on its own data (keys already prefixed). */
export interface MemoryPrimitives {
  hash(key: string): Map<string, string> | undefined;
  /** The hash at `key`, created when missing. */
  ensureHash(key: string): Map<string, string>;
  string(key: string): string | undefined;
  setString(key: string, value: string, ttl: number): void;
  expire(key: string, ttl: number): void;
  zaddIndexed(key: string, score: number, member: string, trimBelow: number, ttl: number): void;
  appendLeaves(log: TlogKeys, leaves: string[]): number;
}

export function memoryLegCommands(p: MemoryPrimitives, k: (key: string) => string): Pick<Store, 'commitTicket' | 'redeemTicket' | 'raiseMarker'> {
  const tripped = (guards: RevocationGuard[]): string | undefined => {
    for (const guard of guards) {
      const match = /^(\d+) (.+)$/.exec(p.string(k(guard.key)) ?? '');
      if (match && Number(match[1]) > guard.epoch) return match[2];
    }
    return undefined;
  };

  return {
    async commitTicket(c): Promise<TicketCommitResult> {
      if (c.leaves.length === 0) throw new Error('commitTicket needs its leaf');
      // The very step again (a caller running it again; nothing is resent by the client): it answers as it did.
      const committed = p.hash(k(c.key))?.get('i');
      if (committed !== undefined) return { ok: true, index: Number(committed) };
      const revoked = tripped(c.guards);
      if (revoked) return { ok: false, revoked };
      const index = p.appendLeaves(c.log, c.leaves);
      p.ensureHash(k(c.key)).set('i', String(index));
      p.expire(k(c.key), c.ttl);
      return { ok: true, index };
    },

    async redeemTicket(r): Promise<TicketRedemptionResult> {
      if (r.leaves.length === 0) throw new Error('redeemTicket needs its leaf');
      const ticket = p.hash(k(r.key));
      if (!ticket?.has('i')) return { kind: 'unknown' };
      if (ticket.get('consumedAt') === r.burn) {
        const si = ticket.get('si');
        return si !== undefined ? { kind: 'redeemed', index: Number(si) } : { kind: 'refused', code: ticket.get('rc') ?? '' };
      }
      if (ticket.has('consumedAt')) {
        const firstReplay = !ticket.has('replayedAt');
        if (firstReplay) ticket.set('replayedAt', r.burn);
        const sid = ticket.get('sid');
        return { kind: 'replay', ...(sid ? { sid } : {}), firstReplay };
      }
      const refusal = r.refusal || tripped(r.guards) || r.refusalAfterGuards;
      const index = refusal ? undefined : p.appendLeaves(r.log, r.leaves);
      ticket.set('consumedAt', r.burn);
      p.expire(k(r.key), r.rememberFor);
      if (refusal) {
        ticket.set('rc', refusal);
        return { kind: 'refused', code: refusal };
      }
      ticket.set('si', String(index));
      const session = p.ensureHash(k(r.session.key));
      for (const [field, value] of Object.entries(r.session.fields)) session.set(field, value);
      p.expire(k(r.session.key), r.session.ttl);
      for (const i of r.indexes) p.zaddIndexed(k(i.key), i.score, r.session.sid, i.trimBelow, i.ttl);
      ticket.set('sid', r.session.sid);
      return { kind: 'redeemed', index: index! };
    },

    async raiseMarker(key, epoch, reason, ttl) {
      if (!/^\S+$/.test(reason)) throw new Error('a marker reason is one word');
      const current = /^(\d+)/.exec(p.string(k(key)) ?? '');
      if (current && Number(current[1]) > epoch) return;
      p.setString(k(key), `${epoch} ${reason}`, ttl);
    },
  };
}
