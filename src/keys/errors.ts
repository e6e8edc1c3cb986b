/**
 * Signing-key error codes, one table. Messages name a key by its index and `kid` only:
 * they end up in logs and on terminals, so they never carry key material.
 */
export type KeysErrorCode =
  /** GATEHOUSE_KEYS names a file that cannot be read. */
  | 'keys_unreadable'
  /** Not JSON, not a JWKS, or a key that is malformed, public-only or unsupported. */
  | 'keys_invalid'
  /** No ES256 or no RS256 private key. */
  | 'keys_missing_alg'
  /** A `dev-` key (or no GATEHOUSE_KEYS at all) in production. */
  | 'dev_keys_in_production';

export class KeysError extends Error {
  override readonly name = 'KeysError';
  constructor(
    readonly code: KeysErrorCode,
    message: string,
  ) {
    super(message);
  }
}
