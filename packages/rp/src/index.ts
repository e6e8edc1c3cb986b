/**
 * `@gatehouse/rp`: the relying-party kit for tenant apps (PROTOCOL.md §8). Verify impersonation
 * tokens, redeem tickets, introspect and revoke, and middleware that does all of it: Koa here,
 * Express in `@gatehouse/rp/express`, web-standard Request/Response in `@gatehouse/rp/fetch`.
 * Its only runtime dependency is jose.
 *
 * @packageDocumentation
 */
export * from './audit/index.js';
export type { ForbidWhileImpersonatingOptions } from './core/forbid.js';
export type {
  GatehouseRpBaseOptions,
  GatehouseRpEvent,
  GatehouseRpState,
  ImpersonatedUser,
  ImpersonatingAdmin,
  ImpersonationState,
  RpPage,
} from './core/types.js';
export { discover } from './discovery/discover.js';
export { GatehouseRpError, type GatehouseRpErrorDetails, type RpErrorCode } from './errors.js';
export { verifyImpersonationToken } from './jwt/verify-impersonation-token.js';
export { forbidWhileImpersonating } from './koa/forbid-while-impersonating.js';
export { gatehouseRp } from './koa/gatehouse-rp.js';
export type { GatehouseRpOptions } from './koa/types.js';
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
