/**
 * Why a relying-party operation failed. A closed union: switch on it, never on `message`.
 *
 * | code | meaning |
 * |---|---|
 * | `token_malformed` | not a compact JWS, or a claim RFC 9068 §2.2 requires is missing or mistyped |
 * | `token_wrong_type` | header `typ` is not `at+jwt` / `application/at+jwt` (RFC 9068 §4) |
 * | `token_wrong_alg` | header `alg` is not ES256 or RS256 (`none` and HMAC included) |
 * | `token_unknown_key` | no key of the issuer's JWKS matches the header's `kid` |
 * | `token_bad_signature` | the signature does not verify |
 * | `token_wrong_issuer` | `iss` is not the configured issuer |
 * | `token_wrong_audience` | `aud` does not contain this app's origin |
 * | `token_expired` | `exp` is past (beyond the clock tolerance) |
 * | `token_not_yet_valid` | `iat` or `nbf` lies in the future (beyond the clock tolerance) |
 * | `token_missing_act` | not an impersonation token: `act.sub` or `impersonation.sid` missing (RFC 8693 §4.1) |
 * | `ticket_rejected` | the token endpoint refused the ticket (4xx; see `error`) |
 * | `request_rejected` | introspection or revocation refused the request (4xx, e.g. `invalid_client`) |
 * | `issuer_unreachable` | network failure, timeout or 5xx from Gatehouse |
 * | `issuer_bad_response` | Gatehouse answered something that does not follow the protocol |
 * | `session_ended` | introspection says the impersonation session is no longer active (RFC 7662 `active: false`), or Gatehouse said so by back-channel logout |
 * | `logout_token_invalid` | a back-channel logout token lacks the back-channel `events` member, carries a `nonce`, or names neither `sid` nor `sub` (Back-Channel Logout 1.0 §2.6) |
 * | `logout_token_replayed` | a back-channel logout token whose `jti` this app already accepted |
 */
export type RpErrorCode =
  | 'token_malformed'
  | 'token_wrong_type'
  | 'token_wrong_alg'
  | 'token_unknown_key'
  | 'token_bad_signature'
  | 'token_wrong_issuer'
  | 'token_wrong_audience'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_missing_act'
  | 'ticket_rejected'
  | 'request_rejected'
  | 'issuer_unreachable'
  | 'issuer_bad_response'
  | 'session_ended'
  | 'logout_token_invalid'
  | 'logout_token_replayed';

/** Extra details a {@link GatehouseRpError} may carry. */
export interface GatehouseRpErrorDetails {
  /** The underlying error (a jose error, a fetch failure). */
  cause?: unknown;
  /** HTTP status Gatehouse answered with, when there was an answer. */
  status?: number;
  /** RFC 6749 §5.2 `error` from Gatehouse's JSON error body. */
  error?: string;
  /** RFC 6749 §5.2 `error_description` from Gatehouse's JSON error body. */
  error_description?: string;
}

/**
 * The only error class the kit throws for protocol failures. Programming errors (bad options)
 * are plain `TypeError`s.
 *
 * @example
 * ```ts
 * try {
 *   await verifyImpersonationToken(token, { issuer, audience: 'https://app.acme.com' });
 * } catch (err) {
 *   if (err instanceof GatehouseRpError && err.code === 'token_expired') return signIn();
 *   throw err;
 * }
 * ```
 */
export class GatehouseRpError extends Error {
  override readonly name = 'GatehouseRpError';
  /** Stable reason code; see {@link RpErrorCode}. */
  readonly code: RpErrorCode;
  /** HTTP status of Gatehouse's answer, when there was one. */
  readonly status?: number;
  /** RFC 6749 §5.2 `error`, named as on the wire (e.g. `invalid_request`). */
  readonly error?: string;
  /** RFC 6749 §5.2 `error_description`, named as on the wire. Do not show it to end users verbatim. */
  readonly error_description?: string;

  constructor(code: RpErrorCode, message: string, details: GatehouseRpErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.error !== undefined) this.error = details.error;
    if (details.error_description !== undefined) this.error_description = details.error_description;
  }
}
