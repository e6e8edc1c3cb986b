/**
 * Audit: the per-tenant transparency logs with their signed checkpoints, proofs and
 * verification (PROTOCOL.md §6); the webhooks that announce its events ride the durable
 * queue in src/delivery. Everything outside this folder imports from here.
 */
export {
  type AuditEvent,
  type AuditEventInput,
  type AuditEventType,
  auditEventSchema,
  auditEventTypes,
  auditLogNames,
  isAuditEventType,
  isNotificationType,
  logNameOf,
  type Notification,
  type NotificationType,
  notificationTypes,
  SYSTEM_LOG,
} from './events.js';
export { AuditError, type AuditErrorCode } from './errors.js';
export { canonicalJson, leafOf } from './hash.js';
export { type AuditFilter, type AuditPage, type AuditPageRequest, eventOf } from './list.js';
export { type AuditLog, type AuditLogOptions, type AuditVerification, createAuditLog, type StagedEvent } from './log.js';
export {
  type CheckpointKey,
  checkpointKey,
  checkpointMemory,
  checkpointOfSize,
  issueCheckpoint,
  keptCheckpoints,
  latestCheckpoint,
  logOrigin,
  openCheckpoint,
  type SignedCheckpoint,
} from './checkpoints.js';
export { type CheckpointMemory, directoryMemory, processMemory } from './checkpoint-memory.js';
export { type Checkpointer, type CheckpointerOptions, createCheckpointer, holdingLease } from './checkpointer.js';
export { type ArchiveResult, archiveLog } from './archive.js';
export { EXPORT_FORMAT, type ExportFilter, type ExportHeader, exportLog } from './export.js';
export { type ExportSection, type ExportVerification, verifyExport } from './verify-export.js';
export { consistencyProof, growTree, inclusionProof, inclusionProofs, rootAt } from './tree.js';
export { type LogProblemKind, type LogVerification, verifyLog } from './verify.js';
