/**
 * Audit: the hash-chained event log and the webhook notifications that announce it
 * (PROTOCOL.md §6). Everything outside this folder imports from here.
 */
export {
  type AuditEvent,
  type AuditEventInput,
  type AuditEventType,
  GENESIS_HASH,
  auditEventSchema,
  auditEventTypes,
  isAuditEventType,
} from './events.js';
export { canonicalJson, hashAuditEvent } from './hash.js';
export {
  type AuditFilter,
  type AuditLog,
  type AuditLogOptions,
  type AuditPage,
  type AuditPageRequest,
  AuditError,
  type ChainProblemKind,
  type ChainVerification,
  createAuditLog,
} from './log.js';
export { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './signature.js';
export { formatSlackText } from './slack-text.js';
export { redactWebhookUrl } from './webhook-delivery.js';
export { type DeadLetter, type Notifier, type NotifierOptions, type WebhookConfig, createNotifier } from './webhooks.js';
