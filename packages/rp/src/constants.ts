/** The wire constants the kit speaks (PROTOCOL.md §2); one place, so they cannot drift apart. */

/** RFC 8693 §2.1 grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: what an impersonation ticket is redeemed for. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Gatehouse's one-time ticket (PROTOCOL.md §2). */
export const IMPERSONATION_TICKET_TYPE = 'urn:gatehouse:token-type:impersonation-ticket';
/** RFC 9068 §2.1 / §4: the JWT access token media type. */
export const ACCESS_TOKEN_JWT_TYP = 'at+jwt';
/** Asymmetric algorithms Gatehouse signs with; `none` and HMAC are never accepted (RFC 9068 §4). */
export const ACCEPTED_ALGORITHMS = ['ES256', 'RS256'] as const;
/** Default leeway for `exp`, `iat` and `nbf`, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/** Every call to Gatehouse gives up after this long and counts as `issuer_unreachable`. */
export const HTTP_TIMEOUT_MS = 10_000;
/** OpenID Connect Back-Channel Logout 1.0 §2.4: the logout token's explicit type (header `typ`). */
export const LOGOUT_TOKEN_JWT_TYP = 'logout+jwt';
/** Back-Channel Logout 1.0 §2.4: the member of `events` that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token older than this (by `iat`) is refused; Gatehouse signs one for each delivery attempt. */
export const LOGOUT_TOKEN_MAX_AGE_SECONDS = 120;
