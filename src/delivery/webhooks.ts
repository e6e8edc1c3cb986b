import type { Logger } from 'pino';
import type { RedisConnectionOptions } from '../store/index.js';
import { isNotificationType, type Notification } from '../audit/index.js';
import {
  type WebhookConfig,
  deliverWebhook,
  redactWebhookUrl,
  webhookKey,
  webhookWants,
} from './webhook-delivery.js';
import { createBullmqWebhookQueue } from './queue-bullmq.js';
import { createMemoryWebhookQueue } from './queue-memory.js';
import { type DeadLetter, PermanentWebhookError, type WebhookJob, type WebhookQueue, webhookJobId } from './queue.js';

export type { WebhookConfig } from './webhook-delivery.js';
export type { DeadLetter } from './queue.js';

export interface NotifierOptions {
  webhooks: WebhookConfig[];
  /** Redis for the durable BullMQ queue; `null` = the dev-only in-process queue. */
  queueConnection: RedisConnectionOptions | null;
  logger: Logger;
  /** Tries per delivery, the first included. Default 8 (about 4 minutes of retrying). */
  attempts?: number;
  /** Delay before the first retry, doubled for each next one. Default 2000 ms. */
  backoffMs?: number;
  /** Key prefix of the queue in Redis (as the store's). Default `gh`. */
  prefix?: string;
}

export interface Notifier {
  /** Queues the event (or checkpoint) for every webhook that wants it. Never throws, never hangs long. */
  notify(event: Notification): Promise<void>;
  /** Starts delivering (a worker in this process). Queuing works before it. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Deliveries that ran out of attempts, newest first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Queues a dead letter again with a fresh set of attempts. */
  retryDeadLetter(id: string): Promise<void>;
}

/**
 * A queued job that is still waiting after this long is not worth waiting for in
 * `notify` (Redis is down, and the queue client holds commands until it returns).
 */
const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * Webhook notifications for audit events (PROTOCOL.md §6): Slack-compatible text or
 * the signed JSON event, delivered at least once through a queue with retries,
 * exponential backoff and dead letters. A failing webhook never blocks or fails the
 * decision it announces: `notify` logs and returns.
 *
 * @example
 * const notifier = createNotifier({ webhooks: config.webhooks, queueConnection: config.redis, logger });
 * await notifier.start();
 * const audit = createAuditLog(store, { onAppended: (e) => void notifier.notify(e) });
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const logger =
    options.logger.bindings().component === undefined ? options.logger.child({ component: 'webhooks' }) : options.logger;
  const webhooks = options.webhooks.map((webhook) => checkWebhook(webhook, logger));
  const policy = { attempts: options.attempts ?? 8, backoffMs: options.backoffMs ?? 2_000 };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new Error('webhook attempts must be 1 or more');
  if (!(policy.backoffMs >= 0)) throw new Error('webhook backoffMs must be 0 or more');

  const makeQueue = () =>
    options.queueConnection === null
      ? createMemoryWebhookQueue(policy, logger)
      : createBullmqWebhookQueue(options.queueConnection, { prefix: options.prefix ?? 'gh', policy, logger });
  // No webhook, nothing to deliver: no worker and no queue connection (whose reconnect
  // errors would fill the log during a Redis outage), until someone asks for dead letters.
  const queue = webhooks.length === 0 ? idleQueue(makeQueue) : makeQueue();

  async function deliver(job: WebhookJob): Promise<void> {
    // The index is a hint; the key decides, so a reordered config still matches.
    const byIndex = webhooks[job.webhookIndex];
    const webhook =
      byIndex && webhookKey(byIndex) === job.webhookKey ? byIndex : webhooks.find((w) => webhookKey(w) === job.webhookKey);
    if (!webhook) throw new PermanentWebhookError('the webhook is no longer configured');
    await deliverWebhook(webhook, job.event);
  }

  return {
    async notify(event) {
      try {
        const adds = webhooks.flatMap((webhook, index) =>
          webhookWants(webhook, event)
            ? [
                queue.add(webhookJobId(event.id, index), {
                  webhookIndex: index,
                  webhookKey: webhookKey(webhook),
                  url: redactWebhookUrl(webhook.url),
                  event,
                }),
              ]
            : [],
        );
        if (adds.length > 0) await withTimeout(Promise.all(adds), ENQUEUE_TIMEOUT_MS);
      } catch (error) {
        logger.error(
          { eventId: event.id, eventType: event.type, error: error instanceof Error ? error.message : String(error) },
          'could not queue webhook notifications',
        );
      }
    },
    start: () => queue.start(deliver),
    close: () => queue.close(),
    deadLetters: (limit = 100) => queue.deadLetters(limit),
    retryDeadLetter: (id) => queue.retryDeadLetter(id),
  };
}

/** The queue of a deployment without webhooks: opened only to list or retry old dead letters. */
function idleQueue(make: () => WebhookQueue): WebhookQueue {
  let queue: WebhookQueue | undefined;
  const opened = () => (queue ??= make());
  return {
    add: async () => {},
    start: async () => {},
    deadLetters: (limit) => opened().deadLetters(limit),
    retryDeadLetter: (id) => opened().retryDeadLetter(id),
    close: async () => queue?.close(),
  };
}

/** Refuses configs that can never work; warns about ones that are unsafe. */
function checkWebhook(webhook: WebhookConfig, logger: Logger): WebhookConfig {
  const url = redactWebhookUrl(webhook.url);
  let parsed: URL;
  try {
    parsed = new URL(webhook.url);
  } catch {
    throw new Error(`webhook URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`webhook URL must be http(s): ${url}`);
  for (const type of webhook.events) {
    if (type !== '*' && !isNotificationType(type)) throw new Error(`webhook ${url}: unknown event type ${type}`);
  }
  if (webhook.format === 'json' && !webhook.secret) {
    logger.warn({ url }, 'json webhook without a secret: receivers cannot tell its deliveries from forgeries');
  }
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    logger.warn({ url }, 'webhook over plain http: events (and any Slack URL) travel unencrypted');
  }
  return webhook;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]';
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queueing took longer than ${ms} ms; it may still complete`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
