/**
 * Audit error codes, one table: callers (the CLI, the transparency API, tests) switch on
 * `code`, never on message text.
 */
export type AuditErrorCode =
  /** A signed note or verifier key that does not parse (C2SP signed-note). */
  | 'note_malformed'
  /** No signature on the note by the key given. */
  | 'note_unknown_key'
  /** A signature by that key that does not verify. */
  | 'note_bad_signature'
  /** A checkpoint body that is not origin, size and root (C2SP tlog-checkpoint). */
  | 'checkpoint_malformed'
  /** Stored leaves or tree hashes that do not line up (missing, out of order, unreadable). */
  | 'log_damaged'
  /** A proof asked for hashes that left Redis with an archive. */
  | 'archived'
  /** A size or index outside the log. */
  | 'out_of_range'
  /** No key to sign checkpoints with (this process only verifies). */
  | 'no_signing_key'
  /** The checkpoint memory (`audit.stateDir`) is missing, unreadable, unwritable or locked. */
  | 'memory_unavailable';

export class AuditError extends Error {
  override readonly name = 'AuditError';
  constructor(
    readonly code: AuditErrorCode,
    message: string,
  ) {
    super(message);
  }
}
