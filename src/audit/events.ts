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
  'user.login',
  'user.passkey_registered',
  'user.passkey_removed',
  'user.passkey_renamed',
  'user.disabled',
  'user.enabled',
] as const;

export type AuditEventType = (typeof auditEventTypes)[number];

/** Genesis `prevHash`: the first event of a chain points at 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

// Bounds keep one event small enough to ride in a stream entry and a webhook body.
const shortText = z.string().min(1).max(256);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** What a caller hands to `append`: everything but the fields the log sets itself. */
export const auditEventInputSchema = z.strictObject({
  type: z.enum(auditEventTypes),
  /** Admin id: the actor of a console decision or an impersonation. */
  admin: shortText.optional(),
  /** User id: the subject (impersonated user, or the user acting on their own account). */
  user: shortText.optional(),
  tenant: shortText.optional(),
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

/** A stored event: the input plus identity, time and its place in the hash chain. */
export const auditEventSchema = z.strictObject({
  ...auditEventInputSchema.shape,
  id: z.string().min(1).max(64),
  /** ISO 8601, UTC, set by the appending process. */
  time: z.iso.datetime(),
  /** `hash` of the event before this one in the stream; GENESIS_HASH for the first. */
  prevHash: sha256Hex,
  /** SHA-256 hex of the canonical JSON of this event without `hash` (see hash.ts). */
  hash: sha256Hex,
});

export type AuditEvent = z.output<typeof auditEventSchema>;

/** Accepts a type name from config or a query string, narrowing it to the union. */
export function isAuditEventType(value: string): value is AuditEventType {
  return (auditEventTypes as readonly string[]).includes(value);
}
