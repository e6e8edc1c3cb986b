/**
 * The management API's address and its resource indicator (RFC 8707): a management client
 * asks for client credentials with `resource=<issuer>/manage` and receives an RFC 9068 JWT
 * whose `aud` is that resource; `/manage/v1` accepts no token of any other audience.
 */
export const MANAGE_PREFIX = '/manage/v1';

export const managementResource = (issuer: string) => `${issuer}/manage`;

/** How long a management access token lives, at most (seconds): short, as it may change anything. */
export const MANAGEMENT_TOKEN_TTL = 300;
