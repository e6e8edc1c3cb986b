/** Why an audit log did not verify: one stable code per reason, for callers to switch on. */
export type AuditVerificationCode =
  /** The checkpoint's signature does not verify with the key you hold, or names another log. */
  | 'bad_checkpoint'
  /** An entry is not in the checkpoint: its inclusion proof does not verify (edited, moved or forged). */
  | 'bad_inclusion'
  /** The log does not extend the checkpoint you held: it was truncated, rolled back or rewritten. */
  | 'inconsistent'
  /** Gatehouse refused or answered something that is not the audit API's answer. */
  | 'bad_response';

export class AuditVerificationError extends Error {
  override readonly name = 'AuditVerificationError';
  constructor(
    readonly code: AuditVerificationCode,
    message: string,
  ) {
    super(message);
  }
}
