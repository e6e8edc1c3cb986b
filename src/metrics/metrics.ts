/**
 * Prometheus metrics (prom-client) in one registry of their own: HTTP requests per endpoint,
 * the impersonation funnel (tickets minted, redeemed, replayed, denied by reason; sessions
 * ended by reason) counted from audit events, so there is one source of truth for what
 * happened; active impersonation sessions read from the store at scrape time; store errors.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from '../audit/index.js';

export interface Metrics {
  registry: Registry;
  /** One HTTP request: `route` is a route pattern or the provider's route name, never a raw path. */
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** An audit event was appended: moves the impersonation counters. */
  countEvent(event: AuditEvent): void;
  /** The store could not be reached for `operation`. */
  countStoreError(operation: string): void;
}

export function createMetrics(countActiveSessions: () => Promise<number>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const minted = new Counter({ name: 'gatehouse_tickets_minted_total', help: 'Impersonation tickets issued.', registers: [registry] });
  const redeemed = new Counter({
    name: 'gatehouse_tickets_redeemed_total',
    help: 'Tickets redeemed: impersonation sessions started.',
    registers: [registry],
  });
  const replayed = new Counter({
    name: 'gatehouse_tickets_replayed_total',
    help: 'Tickets presented again after their first presentation.',
    registers: [registry],
  });
  const denied = new Counter({
    name: 'gatehouse_impersonation_denied_total',
    help: 'Impersonation requests (mint or redeem) refused, by reason code.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const ended = new Counter({
    name: 'gatehouse_impersonation_sessions_ended_total',
    help: 'Impersonation sessions ended, by reason code.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_impersonation_sessions_active',
    help: 'Impersonation sessions live now (read from the store at scrape time).',
    registers: [registry],
    async collect() {
      // Store down: the last value stays, and gatehouse_store_errors_total says why.
      await countActiveSessions().then(
        (n) => this.set(n),
        () => undefined,
      );
    },
  });
  const storeErrors = new Counter({
    name: 'gatehouse_store_errors_total',
    help: 'Store operations that failed because the store could not be reached.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });

  return {
    registry,
    observeRequest({ method, route, status }, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    countEvent(event) {
      if (event.type === 'impersonation.ticket_issued') minted.inc();
      else if (event.type === 'impersonation.started') redeemed.inc();
      else if (event.type === 'impersonation.ticket_replayed') replayed.inc();
      // A refusal repeated in a flood is one event with `details.count` (impersonation/denial-digest.ts).
      else if (event.type === 'impersonation.denied') denied.inc({ reason: event.code ?? 'unknown' }, Number(event.details?.count ?? 1));
      else if (event.type === 'impersonation.ended') ended.inc({ reason: event.code ?? 'unknown' });
    },
    countStoreError(operation) {
      storeErrors.inc({ operation });
    },
  };
}
