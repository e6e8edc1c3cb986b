/**
 * `@gatehouse/rp`: the relying-party kit for tenant apps (PROTOCOL.md §8). Verify impersonation
 * tokens, redeem tickets, introspect and revoke, report activity, accept back-channel logout
 * tokens, read the tenant's audit log, and the state and options the middleware share. This
 * entry point is framework-free, its types included: it names no framework, so an app of any
 * framework typechecks against it without another framework's types. The middleware that
 * does all of it lives beside it: Koa in `@gatehouse/rp/koa`, Express in
 * `@gatehouse/rp/express`, web-standard Request/Response in `@gatehouse/rp/fetch`.
 * Its only runtime dependency is jose.
 *
 * @packageDocumentation
 */
export * from './audit/index.js';
export type { ForbidWhileImpersonatingOptions } from './core/forbid.js';
export type {
  EndedSessionStore,
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
export { verifyLogoutToken } from './jwt/verify-logout-token.js';
export { introspectToken } from './token/introspect-token.js';
export { redeemTicket } from './token/redeem-ticket.js';
export { reportActivity } from './token/report-activity.js';
export { revokeToken } from './token/revoke-token.js';
export type {
  ActivityEntry,
  ClientCredentials,
  ImpersonationClaims,
  IntrospectionResponse,
  IssuerMetadata,
  LogoutTokenClaims,
  RedeemedImpersonation,
  RedeemTicketOptions,
  VerifyImpersonationTokenOptions,
  VerifyLogoutTokenOptions,
} from './types.js';
