/** What the exchange legs share: the request's audit facts and the refusal path. */
import type { AuditEventInput } from '../audit/index.js';
import { ImpersonationError, reasons, type ReasonCode } from '../impersonation/reasons.js';
import { type KoaContextWithOIDC, protocolError } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { StoreUnavailableError } from '../store/types.js';

export type AuditFacts = Omit<AuditEventInput, 'type' | 'outcome'>;

/** Refusals a flood repeats: one event per window with a count (impersonation/denial-digest.ts). */
const DIGESTED = new Set<ReasonCode>(['unknown_tickets_rate_limited']);

export function requestFacts(ctx: KoaContextWithOIDC): AuditFacts {
  return {
    client: ctx.oidc.client?.clientId,
    requestId: ctx.state.requestId,
    ip: ctx.ip,
    userAgent: ctx.get('user-agent').slice(0, 512) || undefined,
  };
}

/**
 * Turns a refusal into the wire error (PROTOCOL §4), after auditing it as
 * `impersonation.denied` with its reason code. Step-up refusals carry RFC 9470 hints.
 */
export async function refuse(
  ctx: KoaContextWithOIDC,
  services: Services,
  err: unknown,
  facts: AuditFacts,
): Promise<never> {
  let refusal: ImpersonationError;
  if (err instanceof ImpersonationError) refusal = err;
  else if (err instanceof StoreUnavailableError || (err as Error)?.name === 'AuditError') refusal = new ImpersonationError('store_unavailable');
  else throw err;

  const code: ReasonCode = refusal.code;
  const wire = reasons[code];
  const audited =
    code === 'store_unavailable'
      ? Promise.resolve()
      : DIGESTED.has(code) && facts.client
        ? services.denialDigest.record({ ...facts, code, client: facts.client })
        : services.audit.append({ type: 'impersonation.denied', outcome: 'failure', code, ...facts });
  await audited.catch((auditErr) => ctx.state.log?.error({ err: auditErr, code }, 'could not audit a refusal'));
  if (refusal.hints.retryAfter) ctx.set('Retry-After', String(refusal.hints.retryAfter));
  if (code === 'store_unavailable') ctx.set('Retry-After', '5');
  if (refusal.hints.acrValues) {
    // Extra members of the error body, added by the token-route post-middleware.
    ctx.state.errorExtras = { acr_values: refusal.hints.acrValues, max_age: refusal.hints.maxAge };
  }
  ctx.state.log?.info({ code, requestId: facts.requestId }, 'impersonation refused');
  throw protocolError(wire.error, refusal.message, wire.status);
}

/** One string parameter, or undefined; the provider already refuses duplicates it doesn't allow. */
export function param(ctx: KoaContextWithOIDC, name: string): string | undefined {
  const value = (ctx.oidc.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A parameter that may repeat (audience, resource: RFC 8693 §2.1). */
export function params(ctx: KoaContextWithOIDC, name: string): string[] {
  const value = (ctx.oidc.params as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return typeof value === 'string' && value !== '' ? [value] : [];
}
