/**
 * Load for the fault suites: workers that mint a ticket and redeem it (optionally twice at
 * once, so a double redemption would show), round robin over the given instances, every
 * answer recorded with its time. Bounded: it stops at `until()` or after `maxMs`.
 */
import { mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';

export interface Outcome {
  leg: 'mint' | 'redeem';
  /** HTTP status; 0 when the request never got an answer (connection refused, timeout). */
  status: number;
  error?: string;
  ticket?: string;
  /** The impersonation token a successful redemption returned. */
  token?: string;
  via: string;
  start: number;
  end: number;
}

export interface LoadOptions {
  instances: string[];
  actor: string;
  subject: string;
  workers: number;
  /** Present each ticket this many times at once (default 1). */
  presentations?: number;
  until: () => boolean;
  maxMs?: number;
  /** Told of each answer as it comes. */
  onOutcome?: (outcome: Outcome) => void;
}

/**
 * A request that lost the keep-alive race (the server closed the idle connection as the
 * request went out, so it never read it) is sent again on a new connection: that is the
 * client's lot, not the server's answer.
 */
export async function retryingLostSockets<T>(send: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await send();
    } catch (err) {
      const code = ((err as Error).cause as { code?: string } | undefined)?.code;
      if (i >= tries || (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET')) throw err;
    }
  }
}

async function timed(leg: Outcome['leg'], via: string, send: () => ReturnType<typeof tokenRequest>): Promise<Outcome & { body?: Record<string, unknown> }> {
  const start = Date.now();
  try {
    const res = await retryingLostSockets(send);
    return { leg, via, status: res.status, start, end: Date.now(), body: res.body, ...(res.status >= 400 ? { error: String(res.body.error ?? '') } : {}) };
  } catch (err) {
    return { leg, via, status: 0, error: (err as Error).message, start, end: Date.now() };
  }
}

export async function impersonationLoad(options: LoadOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const record = (o: Outcome) => {
    outcomes.push(o);
    options.onOutcome?.(o);
  };
  const deadline = Date.now() + (options.maxMs ?? 60_000);
  let turn = 0;
  const next = () => options.instances[turn++ % options.instances.length]!;
  await Promise.all(
    Array.from({ length: options.workers }, async (_, w) => {
      let i = 0;
      while (!options.until() && Date.now() < deadline) {
        const via = next();
        const minted = await timed('mint', via, () => tokenRequest(via, 'support-console', mintFields(options.actor, options.subject, { reason: `FAULT-${w}-${i++}: load` })));
        const ticket = minted.status === 200 ? (minted.body!.access_token as string) : undefined;
        record({ ...strip(minted), ...(ticket ? { ticket } : {}) });
        if (!ticket) {
          // Nothing to redeem; do not spin while the service is down.
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const redeemed = await Promise.all(
          Array.from({ length: options.presentations ?? 1 }, () => {
            const at = next();
            return timed('redeem', at, () => tokenRequest(at, 'acme-app', redeemFields(ticket)));
          }),
        );
        for (const r of redeemed) {
          record({ ...strip(r), ticket, ...(r.status === 200 ? { token: r.body!.access_token as string } : {}) });
        }
      }
    }),
  );
  return outcomes;
}

function strip(o: Outcome & { body?: unknown }): Outcome {
  const { body: _body, ...rest } = o;
  return rest;
}

/** Tickets that more than one presentation redeemed. */
export function redeemedTwice(outcomes: Outcome[]): string[] {
  const wins = new Map<string, number>();
  for (const o of outcomes) if (o.leg === 'redeem' && o.status === 200) wins.set(o.ticket!, (wins.get(o.ticket!) ?? 0) + 1);
  return [...wins].filter(([, n]) => n > 1).map(([t]) => t);
}

/** Status counts per leg, for messages. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const k = `${o.leg} ${o.status}${o.error ? ` ${o.error.slice(0, 40)}` : ''}`;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** The `impersonation.sid` claim of an impersonation JWT. */
export function sidOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { impersonation: { sid: string } };
  return payload.impersonation.sid;
}
