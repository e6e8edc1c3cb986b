/**
 * The services one Gatehouse process is built from, assembled once in app.ts and handed
 * to route factories. Nothing here is global: tests build as many as they need.
 */
import type Provider from 'oidc-provider';
import type { Accounts } from './accounts/index.js';
import type { AuditLog, Checkpointer, CheckpointKey } from './audit/index.js';
import type { Notifier } from './delivery/index.js';
import type { TokenVerifier } from './keys/index.js';
import type { GatehouseConfig } from './config/index.js';
import type { Logger } from './log.js';
import type { DenialDigest } from './impersonation/denial-digest.js';
import type { Tickets } from './impersonation/tickets.js';
import type { AccountClaims } from './oidc/provider.js';
import type { Limiter } from './store/rate-limit.js';
import type { RedisClient, Store } from './store/index.js';
import type { Passkeys } from './webauthn/index.js';
import type { Tenancy } from './tenancy/index.js';

export interface Services {
  config: GatehouseConfig;
  /**
   * Runtime configuration (PROTOCOL §11): `tenancy.view()` is the synchronous in-process view
   * of tenants, clients and roles every request reads (never `config.tenants`, which is only
   * the file's declaration); the rest is the one service that changes them.
   */
  tenancy: Tenancy;
  store: Store;
  redis: RedisClient | null;
  logger: Logger;
  provider: Provider;
  accounts: Accounts;
  /** An account of either model by id, as the provider sees it. */
  lookupAccount(id: string): Promise<AccountClaims | null>;
  passkeys: Passkeys;
  limiters: {
    loginPerAccount: Limiter;
    loginPerIp: Limiter;
    ticketsPerAdmin: Limiter;
    accessCodesPerAdmin: Limiter;
    /** Wrong passwords on one passkey enrollment link (keyed by the link's hash). */
    enrollmentAttemptsPerLink: Limiter;
    /** Redemptions of unknown tickets by one client (keyed by client id). */
    unknownTicketsPerClient: Limiter;
  };
  /** Repeated identical refusals, counted into one audit event per window. */
  denialDigest: DenialDigest;
  /** The audit trail's transparency logs; every decision is appended before its response. */
  audit: AuditLog;
  /** Signs each log's checkpoints, periodically and on demand (one instance at a time). */
  checkpoints: Checkpointer;
  /** The Ed25519 key of the checkpoints (from GATEHOUSE_KEYS, never from Redis). */
  auditKey: CheckpointKey;
  /** Webhook notifications, fed by the audit log (never blocking). */
  notifier: Notifier;
  /** Verifies Gatehouse's own JWT access tokens (impersonation tokens). */
  tokenVerifier: TokenVerifier;
  /** Issues and opens impersonation tickets (sealed with keys derived from the cookie keys). */
  tickets: Tickets;
}
