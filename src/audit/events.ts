import { z } from 'zod';

/**
 * The one list of audit event types (PROTOCOL.md §6). Console filters, webhook
 * subscriptions, the CLI and tests all take their names from here.
 */
export const auditEventTypes = [
  'admin.login',
  'admin.stepup',
  'admin.passkey_registered',
  'admin.passkey_removed',
  'admin.passkey_counter_regressed',
  'admin.passkey_renamed',
  'admin.enrollment_link_issued',
  'admin.disabled',
  'admin.enabled',
  'admin.roles_changed',
  'impersonation.denied',
  'impersonation.ticket_issued',
  'impersonation.started',
  'impersonation.ticket_replayed',
  'impersonation.ended',
  'support_access.code_created',
  'support_access.consent_changed',
  'support_access.requested',
  'support_access.approved',
  'support_access.denied',
  'support_access.expired',
  'support_access.used',
  'user.login',
  'user.passkey_registered',
  'user.passkey_removed',
  'user.passkey_renamed',
  'user.disabled',
  'user.enabled',
  /** PROTOCOL §6: a log that does not extend the last checkpoint signed for it got none (system log). */
  'audit.checkpoint_refused',
  // PROTOCOL §11: runtime configuration, in the system log with who made the change.
  'tenancy.tenant_created',
  'tenancy.tenant_updated',
  'tenancy.tenant_disabled',
  'tenancy.tenant_enabled',
  'tenancy.domain_added',
  'tenancy.domain_verified',
  'tenancy.domain_removed',
  'tenancy.client_created',
  'tenancy.client_updated',
  'tenancy.client_secret_rotated',
  'tenancy.client_deleted',
  'tenancy.role_created',
  'tenancy.role_updated',
  'tenancy.role_deleted',
  // ...and a change to what protects a tenant's users, in that tenant's own log too.
  'tenant.protection_changed',
] as const;

export type AuditEventType = (typeof auditEventTypes)[number];

/**
 * Notifications a webhook may subscribe to besides the events: `audit.checkpoint`
 * announces each signed checkpoint (it is not itself an event of any log, or every
 * checkpoint would change the log it signs). `*` means every event type, not these.
 */
export const notificationTypes = ['audit.checkpoint'] as const;
export type NotificationType = (typeof notificationTypes)[number];

/** The log of events that concern no tenant (admin sign-ins, passkeys). Reserved as a tenant id. */
export const SYSTEM_LOG = 'system';

/** Every log of a deployment: one per tenant, then the system log. */
export function auditLogNames(tenantIds: readonly string[]): string[] {
  return [...new Set([...tenantIds, SYSTEM_LOG])];
}

/** Which transparency log an event belongs to: its tenant's, or the system log. */
export function logNameOf(event: { tenant?: string | undefined }): string {
  return event.tenant ?? SYSTEM_LOG;
}

// Bounds keep one event small enough to ride in a stream entry and a webhook body.
const shortText = z.string().min(1).max(256);

/** What a caller hands to `append`: everything but the fields the log sets itself. */
export const auditEventInputSchema = z.strictObject({
  type: z.enum(auditEventTypes),
  /** Admin id: the actor of a console decision or an impersonation. */
  admin: shortText.optional(),
  /** User id: the subject (impersonated user, or the user acting on their own account). */
  user: shortText.optional(),
  /** A tenant id (as in config): it names the event's log. */
  tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional(),
  client: shortText.optional(),
  /** The admin's stated reason for an impersonation (free text, shown in notifications). */
  reason: z.string().max(2000).optional(),
  /**
   * Machine-readable reason code from the owning module's table: why a request was
   * denied (`actor_not_stepped_up`), or why a session ended (`expired`, `replay`).
   */
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/).optional(),
  outcome: z.enum(['success', 'failure']),
  requestId: z.string().max(256).optional(),
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(512).optional(),
  /** Impersonation session id. */
  sid: shortText.optional(),
  /**
   * Flat extra facts. Notifications read these well-known keys when present:
   * `adminEmail`, `userEmail` (human-readable names), `expiresAt` (ISO),
   * `endedBy` (`admin` | `user` | `system`).
   */
  details: z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean()])).optional(),
});

export type AuditEventInput = z.input<typeof auditEventInputSchema>;

/**
 * A stored event: the input plus identity, time and its place in its log. `log` and
 * `index` are not part of the leaf (see leaf.ts): the tree itself fixes them.
 */
export const auditEventSchema = z.strictObject({
  ...auditEventInputSchema.shape,
  id: z.string().min(1).max(64),
  /** ISO 8601, UTC, set by the appending process. */
  time: z.iso.datetime(),
  /** The tenant's id, or `system`. */
  log: z.string().min(1).max(64),
  /** 0-based position in the log: the leaf index of its Merkle tree. */
  index: z.number().int().min(0),
});

export type AuditEvent = z.output<typeof auditEventSchema>;

/** Accepts a type name from config or a query string, narrowing it to the union. */
export function isAuditEventType(value: string): value is AuditEventType {
  return (auditEventTypes as readonly string[]).includes(value);
}

/**
 * What the `audit.checkpoint` webhook carries: a new signed checkpoint, so that tenants
 * and SIEMs hold copies outside Gatehouse (a later rollback or rewrite contradicts them).
 */
export interface CheckpointNotice {
  /** `checkpoint-<log>-<size>`: every instance announcing it gives the same id. */
  id: string;
  type: 'audit.checkpoint';
  log: string;
  origin: string;
  size: number;
  /** RFC 9162 root hash, base64. */
  rootHash: string;
  /** The C2SP signed note, as `/audit/logs/<log>/checkpoint` serves it. */
  checkpoint: string;
  time: string;
}

/** Everything a webhook delivers. */
export type Notification = AuditEvent | CheckpointNotice;

/** Accepts a webhook subscription name: an event type or a notification type. */
export function isNotificationType(value: string): value is AuditEventType | NotificationType {
  return isAuditEventType(value) || (notificationTypes as readonly string[]).includes(value);
}
