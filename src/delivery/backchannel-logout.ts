/**
 * Sessions that end everywhere at once (PROTOCOL §8): when an impersonation session ends,
 * for any reason, its `impersonation.ended` event (written in exactly one place,
 * src/impersonation/end.ts) queues an OpenID Connect Back-Channel Logout 1.0 request to the
 * `backchannel_logout_uri` of the tenant client that redeemed it. Delivery goes through the
 * durable webhook queue (BullMQ on Redis, the in-process queue in dev) with its retries and
 * backoff; each attempt signs a fresh logout token, so a late retry is still fresh (§2.6).
 */
import type { Logger } from 'pino';
import type { RedisConnectionOptions } from '../store/index.js';
import { postLogoutToken } from './post-logout-token.js';
import { PermanentWebhookError, type WebhookQueue } from './queue.js';
import { createBullmqWebhookQueue } from './queue-bullmq.js';
import { createMemoryWebhookQueue } from './queue-memory.js';

/** A queued logout: which session of which client, for whom. Never a token or a secret. */
export interface LogoutJob {
  /** The logout URI's origin (for logs and dead letters). */
  url: string;
  /** The `impersonation.ended` event the logout follows. */
  event: { id: string; type: string };
  clientId: string;
  sid: string;
  sub: string;
}

export interface BackchannelLogoutOptions {
  /** Redis for the durable queue (BullMQ); null = the dev-only in-process queue. */
  queueConnection: RedisConnectionOptions | null;
  /** Key prefix, as the store's. */
  prefix: string;
  logger: Logger;
  /** The `backchannel_logout_uri` configured for a client, if any. */
  logoutUriOf(clientId: string): string | undefined;
  /**
   * Whether any client has one: until one does, there is no queue, no worker, no connection
   * (asked again at each `start`, so a client given one at runtime starts them).
   */
  anyLogoutUri: () => boolean;
  /** The session's client and user, from its record. */
  findSession(sid: string): Promise<{ client: string; user: string } | null>;
  /** A freshly signed logout token (src/oidc/logout-token.ts), or null if the client has none. */
  issue(clientId: string, claims: { sub: string; sid: string }): Promise<{ uri: string; token: string } | null>;
  /** Tries per logout (default 8, about 4 minutes) and the first retry's delay (default 2 s, doubling). */
  attempts?: number;
  backoffMs?: number;
}

export interface BackchannelLogout {
  /** Queues a logout for an `impersonation.ended` event; ignores every other event. Never throws. */
  notify(event: { id: string; type: string; sid?: string }): Promise<void>;
  /**
   * Starts delivering in this process (the server; the CLI only queues), once some client
   * has a back-channel logout URI. Safe to call again: the server does on each change of
   * runtime configuration.
   */
  start(): Promise<void>;
  close(): Promise<void>;
}

export const LOGOUT_QUEUE = 'backchannel-logout';

export function createBackchannelLogout(options: BackchannelLogoutOptions): BackchannelLogout {
  const { logger } = options;
  const policy = { attempts: options.attempts ?? 8, backoffMs: options.backoffMs ?? 2_000 };
  // No client with a logout URI: no queue, and so no Redis connection or worker.
  let queue: WebhookQueue<LogoutJob> | undefined;
  let started: Promise<void> | undefined;
  let closed = false;
  const queueOf = () => {
    if (!queue && !closed && options.anyLogoutUri()) {
      queue =
        options.queueConnection === null
          ? createMemoryWebhookQueue<LogoutJob>(policy, logger)
          : createBullmqWebhookQueue<LogoutJob>(options.queueConnection, { prefix: options.prefix, policy, logger, name: LOGOUT_QUEUE });
    }
    return queue;
  };

  async function deliver(job: LogoutJob): Promise<void> {
    const issued = await options.issue(job.clientId, { sub: job.sub, sid: job.sid });
    if (!issued) throw new PermanentWebhookError(`client ${job.clientId} no longer has a backchannel_logout_uri`);
    await postLogoutToken(issued.uri, issued.token);
    logger.debug({ sid: job.sid, client: job.clientId, url: job.url }, 'back-channel logout delivered');
  }

  return {
    async notify(event) {
      if (event.type !== 'impersonation.ended' || !event.sid || !queueOf()) return;
      try {
        const session = await options.findSession(event.sid);
        const uri = session ? options.logoutUriOf(session.client) : undefined;
        if (!session || !uri || !queue) return;
        // One logout per session: a session ends once, and the job id keeps it so.
        await queue.add(`logout-${event.sid}`, { url: new URL(uri).origin, event: { id: event.id, type: event.type }, clientId: session.client, sid: event.sid, sub: session.user });
      } catch (error) {
        logger.error({ sid: event.sid, error: error instanceof Error ? error.message : String(error) }, 'could not queue a back-channel logout');
      }
    },
    // Every Gatehouse process runs a worker; BullMQ hands each job to one of them, also the
    // jobs the CLI queued (it ends sessions without a worker of its own).
    async start() {
      if (!started && queueOf()) {
        const failing = queue!;
        const starting = failing.start(deliver);
        started = starting;
        // A start that failed (Redis refused BullMQ's connection setup) is not remembered: the
        // next call starts again, on a new queue, since BullMQ keeps a failed setup failed.
        starting.catch(() => {
          if (started !== starting) return;
          started = undefined;
          if (queue === failing) queue = undefined;
          void failing.close().catch(() => undefined);
        });
      }
      await started;
    },
    async close() {
      closed = true;
      await started?.catch(() => undefined);
      await queue?.close();
    },
  };
}
