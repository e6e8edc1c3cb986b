import type { Notification } from '../audit/index.js';

/**
 * What any job of these queues carries, for logs and dead letters: a redacted URL and the
 * event it delivers. Webhooks are one kind of job; back-channel logouts (backchannel-logout.ts)
 * are another, on a queue of their own.
 */
export interface QueuedJob {
  url: string;
  event: { id: string; type: string };
}

/** What a queued delivery carries: the event and which webhook, never its URL or secret. */
export interface WebhookJob {
  webhookIndex: number;
  /** `webhookKey()` of the config it was queued for; a mismatch means config changed. */
  webhookKey: string;
  /** Redacted, for the console's dead-letter list. */
  url: string;
  event: Notification;
}

export interface DeadLetter {
  /** The job id, `<eventId>-<webhookIndex>`; pass it to `retryDeadLetter`. */
  id: string;
  /** Redacted URL (origin and first path segment). */
  url: string;
  eventType: string;
  eventId: string;
  attempts: number;
  lastError: string;
  /** ISO 8601. */
  failedAt: string;
}

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** Delay before the second try; each later one doubles it. */
  backoffMs: number;
}

/** A delivery the processor knows can never succeed (its webhook left the config). */
export class PermanentWebhookError extends Error {
  override readonly name = 'PermanentWebhookError';
}

/** The two implementations: BullMQ over Redis, and the dev-only in-process queue. */
export interface WebhookQueue<J extends QueuedJob = WebhookJob> {
  /** Adds a job unless one with this id is already queued, failed or recently done. */
  add(jobId: string, job: J): Promise<void>;
  start(handler: (job: J) => Promise<void>): Promise<void>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  retryDeadLetter(jobId: string): Promise<void>;
  close(): Promise<void>;
}

/** Exponential backoff, as BullMQ computes it: backoffMs · 2^(attemptsMade − 1). */
export function backoffDelay(policy: RetryPolicy, attemptsMade: number): number {
  return Math.round(policy.backoffMs * 2 ** (attemptsMade - 1));
}

/** BullMQ refuses custom ids that contain ':' (its own key separator), hence '-'. */
export function webhookJobId(eventId: string, webhookIndex: number): string {
  return `${eventId}-${webhookIndex}`;
}
