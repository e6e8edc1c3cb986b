import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { type RedisConnectionOptions, createRedisClient } from '../store/index.js';
import {
  type DeadLetter,
  PermanentWebhookError,
  type QueuedJob,
  type RetryPolicy,
  type WebhookJob,
  type WebhookQueue,
} from './queue.js';

const QUEUE_NAME = 'webhooks';
/** Finished ids stay a day, so re-notifying an event within a day delivers nothing twice. */
const COMPLETED_KEEP_SECONDS = 24 * 3600;
/** Dead letters kept for the console; the oldest go first past this many. */
const FAILED_KEEP_COUNT = 10_000;
/** Deliveries in flight per process; each is one HTTP POST of at most 10 s. */
const CONCURRENCY = 8;
/** How long `close()` lets in-flight deliveries and QUIT finish before it drops the sockets. */
const CLOSE_GRACE_MS = 5_000;

/** True when `promise` settles within `ms` (its outcome is not looked at). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The durable webhook queue (PROTOCOL.md §6): one BullMQ job per (event, webhook), so
 * a slow receiver delays only its own deliveries. Every Gatehouse process that calls
 * `start()` runs a worker; BullMQ hands each job to one of them. Failed jobs are kept:
 * they are the dead letters.
 *
 * BullMQ gets one 'queue'-purpose client (no per-command retry limit, which its
 * blocking reads require); the Queue shares it and the Worker duplicates it.
 */
export function createBullmqWebhookQueue<J extends QueuedJob = WebhookJob>(
  connection: RedisConnectionOptions,
  options: { prefix: string; policy: RetryPolicy; logger: Logger; /** Default `webhooks`. */ name?: string },
): WebhookQueue<J> {
  const { policy, logger } = options;
  const name = options.name ?? QUEUE_NAME;
  const client = createRedisClient(connection, 'queue');
  // A Cluster hash tag in the prefix keeps every key of the queue in one slot, which
  // BullMQ's multi-key Lua scripts need.
  const prefix = `{${options.prefix}:bull}`;
  const queue = new Queue<QueuedJob>(name, {
    connection: client,
    prefix,
    defaultJobOptions: {
      attempts: policy.attempts,
      backoff: { type: 'exponential', delay: policy.backoffMs },
      removeOnComplete: { age: COMPLETED_KEEP_SECONDS },
      removeOnFail: { count: FAILED_KEEP_COUNT },
    },
  });
  queue.on('error', (error) => logger.error({ err: error }, 'webhook queue error'));
  let worker: Worker<QueuedJob> | undefined;
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  const idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve)));

  return {
    async add(jobId, data) {
      // An existing job with this id (waiting, failed, or done within a day) wins.
      await queue.add('deliver', data, { jobId });
    },

    async start(handler) {
      if (worker) return;
      worker = new Worker<QueuedJob>(
        name,
        async (job: Job<QueuedJob>) => {
          inFlight += 1;
          try {
            await handler(job.data as J);
          } catch (error) {
            // BullMQ fails an UnrecoverableError at once, whatever attempts remain.
            if (error instanceof PermanentWebhookError) throw new UnrecoverableError(error.message);
            throw error;
          } finally {
            inFlight -= 1;
            if (inFlight === 0) onIdle?.();
          }
        },
        { connection: client, prefix, concurrency: CONCURRENCY },
      );
      worker.on('error', (error) => logger.error({ err: error }, 'webhook worker error'));
      worker.on('failed', (job, error) => {
        if (!job) return;
        const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
        const fields = {
          jobId: job.id,
          url: job.data.url,
          eventType: job.data.event.type,
          attempts: job.attemptsMade,
          error: error.message,
        };
        if (final) logger.warn(fields, 'webhook delivery failed for good; kept as a dead letter');
        else logger.debug(fields, 'webhook delivery failed; will retry');
      });
      await worker.waitUntilReady();
    },

    async deadLetters(limit) {
      const failed = await queue.getFailed(0, limit - 1);
      return failed.map(
        (job): DeadLetter => ({
          id: job.id ?? '',
          url: job.data.url,
          eventType: job.data.event.type,
          eventId: job.data.event.id,
          attempts: job.attemptsMade,
          lastError: job.failedReason ?? '',
          failedAt: new Date(job.finishedOn ?? 0).toISOString(),
        }),
      );
    },

    async retryDeadLetter(jobId) {
      const job = await queue.getJob(jobId);
      if (!job || (await job.getState()) !== 'failed') throw new Error(`no dead letter ${jobId}`);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    },

    async close() {
      // Deliveries in flight get a grace period; then the worker closes without waiting for
      // Redis (a graceful close waits for its blocking read, forever when Redis is gone). A
      // delivery cut short is not lost: its lock expires and a worker runs it again.
      if (worker) {
        await settlesWithin(idle(), CLOSE_GRACE_MS);
        await settlesWithin(worker.close(true), CLOSE_GRACE_MS);
      }
      await settlesWithin(queue.close(), CLOSE_GRACE_MS);
      // The Queue shares our client and leaves it open. QUIT waits in the offline queue while
      // Redis is unreachable, so then the socket is just dropped.
      if (client.status !== 'ready' || !(await settlesWithin(client.quit(), CLOSE_GRACE_MS))) client.disconnect();
    },
  };
}
