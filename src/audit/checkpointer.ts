/**
 * Issues checkpoints every `audit.checkpointSeconds` and on demand, one instance at a
 * time: a round runs only while its instance holds a lease in the store, so two
 * instances never sign at once, and a crashed holder's lease runs out by itself.
 *
 * A log that does not extend the last checkpoint Gatehouse signed for it (the checkpoint
 * memory, `audit.stateDir`) gets no new checkpoint: the refusal is an alert (pino `fatal`,
 * `alert: "audit_checkpoint_refused"`) every round, and an `audit.checkpoint_refused` event
 * in the system log once per process and problem.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { keys as storeKeys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import type { CheckpointMemory } from './checkpoint-memory.js';
import { type CheckpointKey, checkpointMemory, issueCheckpoint, type SignedCheckpoint } from './checkpoints.js';
import { AuditError } from './errors.js';
import type { AuditEventInput } from './events.js';

/** How long a round may hold the lease; archiving a large log is the longest part. */
const LEASE_SECONDS = 300;
/** How long `checkpointNow` waits for another instance's round to end. */
const WAIT_FOR_LEASE_MS = 30_000;

export interface CheckpointerOptions {
  store: Store;
  issuer: string;
  key: CheckpointKey;
  /** Every log there is: the configured tenants and the system log. */
  logs: () => string[];
  intervalSeconds: number;
  /** Each new checkpoint, once kept (the `audit.checkpoint` webhook). Must not throw. */
  onCheckpoint?: (checkpoint: SignedCheckpoint) => void | Promise<void>;
  /** Runs at the end of a periodic round while the lease is held (archiving). */
  afterRound?: () => Promise<void>;
  logger?: Logger;
  /** `audit.stateDir`: where the last signed checkpoint of each log is remembered. */
  stateDir?: string;
  /** Or the memory itself (tests). Default: from `stateDir`. */
  memory?: CheckpointMemory;
  /** Where a refusal is audited (the system log). */
  audit?: { append(event: AuditEventInput): Promise<unknown> };
}

export interface Checkpointer {
  /** Starts the periodic rounds (the first after one interval). */
  start(): void;
  /** Stops them and waits for a running round. */
  stop(): Promise<void>;
  /** Checkpoints these logs (default all) now, waiting for the lease; answers what is newest per log. */
  checkpointNow(logs?: string[]): Promise<SignedCheckpoint[]>;
}

/**
 * Runs `work` while holding the checkpoint lease (waiting up to `waitMs` for it), so it
 * never overlaps another instance's checkpoint or archive round; null when not obtained.
 */
export async function holdingLease<T>(store: Store, waitMs: number, work: () => Promise<T>): Promise<T | null> {
  const lease = storeKeys.auditCheckpointLease();
  const holder = randomUUID();
  const deadline = Date.now() + waitMs;
  while (!(await store.set(lease, holder, { nx: true, ttl: LEASE_SECONDS }))) {
    if (Date.now() >= deadline) return null;
    await sleep(100);
  }
  try {
    return await work();
  } finally {
    await store.delIfEquals(lease, holder).catch(() => {});
  }
}

export function createCheckpointer(options: CheckpointerOptions): Checkpointer {
  const { store, issuer, key, logger } = options;
  const memory = options.memory ?? checkpointMemory({ stateDir: options.stateDir, issuer, key });
  /** The refusal last audited per log, so a standing one is audited once, not every round. */
  const audited = new Map<string, string>();

  async function refused(log: string, error: AuditError) {
    logger?.fatal({ alert: 'audit_checkpoint_refused', log, code: error.code, problem: error.message, memory: memory.where }, `ALERT: no checkpoint signed for audit log ${log}: ${error.message}`);
    if (audited.get(log) === error.message || !options.audit) return;
    audited.set(log, error.message);
    await options.audit
      .append({ type: 'audit.checkpoint_refused', outcome: 'failure', code: error.code, reason: error.message, details: { log, memory: memory.where } })
      .catch((err: unknown) => {
        audited.delete(log);
        logger?.error({ err, log }, 'could not audit a refused checkpoint');
      });
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const withLease = <T>(waitMs: number, work: () => Promise<T>) => holdingLease(store, waitMs, work);

  async function checkpoint(logs: string[]): Promise<SignedCheckpoint[]> {
    const out: SignedCheckpoint[] = [];
    for (const log of logs) {
      try {
        const { checkpoint, fresh } = await issueCheckpoint(store, { issuer, key, log, memory });
        out.push(checkpoint);
        audited.delete(log);
        if (fresh) await Promise.resolve(options.onCheckpoint?.(checkpoint)).catch(() => {});
      } catch (error) {
        // One damaged log must not stop the others' checkpoints. A refusal is an alert; a
        // store that did not answer is an error (the next round tries again).
        if (error instanceof AuditError) await refused(log, error);
        else logger?.error({ err: error, log }, 'audit checkpoint failed');
      }
    }
    return out;
  }

  async function round(): Promise<void> {
    await withLease(0, async () => {
      await checkpoint(options.logs());
      await options.afterRound?.();
    });
  }

  return {
    start() {
      if (timer || !key.canSign) return;
      timer = setInterval(() => {
        running = running.then(round).catch((error: unknown) => logger?.error({ err: error }, 'audit checkpoint round failed'));
      }, options.intervalSeconds * 1000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
    async checkpointNow(logs = options.logs()) {
      const done = await withLease(WAIT_FOR_LEASE_MS, () => checkpoint(logs));
      if (!done) throw new Error('another instance is issuing checkpoints; try again');
      return done;
    },
  };
}
