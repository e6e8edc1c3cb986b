import type { Logger } from 'pino';
import {
  type DeadLetter,
  PermanentWebhookError,
  type QueuedJob,
  type RetryPolicy,
  type WebhookJob,
  type WebhookQueue,
  backoffDelay,
} from './queue.js';

/** How long a finished job's id keeps a re-notify from delivering twice. */
const COMPLETED_KEEP_MS = 24 * 3600 * 1000;
const MAX_KEPT = 10_000;

interface MemoryJob<J> {
  id: string;
  data: J;
  state: 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';
  attemptsMade: number;
  lastError?: string;
  finishedOn?: number;
  timer?: NodeJS.Timeout;
}

/**
 * DEV ONLY: the in-process webhook queue used when Gatehouse runs without Redis.
 * Same contract as the BullMQ queue (attempts, exponential backoff, de-duplication by
 * job id, dead letters, retry), but nothing survives a restart: jobs waiting or backing
 * off when the process stops are lost. Production runs on Redis, where BullMQ keeps
 * them (the config refuses the memory store in production).
 */
export function createMemoryWebhookQueue<J extends QueuedJob = WebhookJob>(policy: RetryPolicy, logger: Logger): WebhookQueue<J> {
  type Job = MemoryJob<J>;
  const jobs = new Map<string, Job>();
  const running = new Set<Promise<void>>();
  let processor: ((job: J) => Promise<void>) | undefined;
  let closed = false;

  function schedule(job: Job, delayMs: number): void {
    job.state = delayMs > 0 ? 'delayed' : 'waiting';
    if (!processor || closed) return;
    job.timer = setTimeout(() => {
      const run = attempt(job);
      running.add(run);
      void run.finally(() => running.delete(run));
    }, delayMs);
    // A dev server is kept alive by its listener; a backoff alone must not be.
    job.timer.unref();
  }

  async function attempt(job: Job): Promise<void> {
    if (closed || !processor) return;
    job.state = 'active';
    job.attemptsMade++;
    try {
      await processor(job.data);
      job.state = 'completed';
      job.finishedOn = Date.now();
    } catch (error) {
      job.lastError = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof PermanentWebhookError;
      if (permanent || job.attemptsMade >= policy.attempts) {
        job.state = 'failed';
        job.finishedOn = Date.now();
        logger.warn(
          { jobId: job.id, url: job.data.url, eventType: job.data.event.type, attempts: job.attemptsMade, error: job.lastError },
          'webhook delivery failed for good; kept as a dead letter',
        );
      } else {
        logger.debug({ jobId: job.id, attempts: job.attemptsMade, error: job.lastError }, 'webhook delivery failed; will retry');
        schedule(job, backoffDelay(policy, job.attemptsMade));
      }
    }
  }

  function prune(now: number): void {
    for (const [id, job] of jobs) {
      if (job.state === 'completed' && now - (job.finishedOn ?? now) > COMPLETED_KEEP_MS) jobs.delete(id);
    }
    // Past the cap, drop the oldest finished jobs first (Map keeps insertion order).
    for (const [id, job] of jobs) {
      if (jobs.size <= MAX_KEPT) break;
      if (job.state === 'completed' || job.state === 'failed') jobs.delete(id);
    }
  }

  return {
    async add(jobId, data) {
      if (closed) throw new Error('the webhook queue is closed');
      prune(Date.now());
      if (jobs.has(jobId)) return;
      const job: Job = { id: jobId, data, state: 'waiting', attemptsMade: 0 };
      jobs.set(jobId, job);
      schedule(job, 0);
    },

    async start(handler) {
      if (processor) return;
      processor = handler;
      for (const job of jobs.values()) if (job.state === 'waiting') schedule(job, 0);
    },

    async deadLetters(limit) {
      return [...jobs.values()]
        .filter((job) => job.state === 'failed')
        .sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0))
        .slice(0, limit)
        .map(
          (job): DeadLetter => ({
            id: job.id,
            url: job.data.url,
            eventType: job.data.event.type,
            eventId: job.data.event.id,
            attempts: job.attemptsMade,
            lastError: job.lastError ?? '',
            failedAt: new Date(job.finishedOn ?? 0).toISOString(),
          }),
        );
    },

    async retryDeadLetter(jobId) {
      const job = jobs.get(jobId);
      if (job?.state !== 'failed') throw new Error(`no dead letter ${jobId}`);
      job.attemptsMade = 0;
      delete job.lastError;
      delete job.finishedOn;
      schedule(job, 0);
    },

    async close() {
      closed = true;
      for (const job of jobs.values()) clearTimeout(job.timer);
      await Promise.allSettled(running);
    },
  };
}
