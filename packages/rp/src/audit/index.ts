/**
 * Audit-log verification for tenants (access transparency, PROTOCOL §6): checkpoints,
 * inclusion and consistency, and a reader of the tenant's own log. Self-contained:
 * web-standard APIs only (WebCrypto with Ed25519, fetch), so it runs where the kit runs.
 */
export { type VerifiedCheckpoint, verifyCheckpoint } from './checkpoint.js';
export { type AuditVerificationCode, AuditVerificationError } from './errors.js';
export { verifyConsistency, verifyInclusion } from './merkle.js';
export { type AuditLogRead, type ReadAuditLogOptions, readAuditLog } from './read-audit-log.js';
export { type AuditLogEntry, type AuditLogEvent, auditLeafHash, verifyAuditConsistency, verifyAuditEntries } from './verify-audit-log.js';
