/**
 * `gatehouse/rp`: the relying-party kit for tenant apps (PROTOCOL.md §8). Verify impersonation
 * tokens, redeem tickets, introspect and revoke, and a Koa middleware that does all of it.
 * Imports nothing from the Gatehouse server: only jose, Node built-ins and Koa types.
 *
 * @packageDocumentation
 */
export { discover } from './discovery/discover.js';
export { GatehouseRpError, type GatehouseRpErrorDetails, type RpErrorCode } from './errors.js';
export { verifyImpersonationToken } from './jwt/verify-impersonation-token.js';
export {
  type ForbidWhileImpersonatingOptions,
  forbidWhileImpersonating,
} from './koa/forbid-while-impersonating.js';
export { gatehouseRp } from './koa/gatehouse-rp.js';
export type {
  GatehouseRpEvent,
  GatehouseRpOptions,
  GatehouseRpState,
  ImpersonatedUser,
  ImpersonatingAdmin,
  ImpersonationState,
} from './koa/types.js';
export { introspectToken } from './token/introspect-token.js';
export { redeemTicket } from './token/redeem-ticket.js';
export { revokeToken } from './token/revoke-token.js';
export type {
  ClientCredentials,
  ImpersonationClaims,
  IntrospectionResponse,
  IssuerMetadata,
  RedeemedImpersonation,
  RedeemTicketOptions,
  VerifyImpersonationTokenOptions,
} from './types.js';
