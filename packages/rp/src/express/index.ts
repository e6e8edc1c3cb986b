/**
 * `@gatehouse/rp/express`: the kit as Express middleware (4 and 5; Connect and plain `node:http`
 * fit too). The state goes to `res.locals`.
 *
 * @packageDocumentation
 */
export type { ForbidWhileImpersonatingOptions } from '../core/forbid.js';
export type { EndedSessionStore, GatehouseRpEvent, GatehouseRpState, ImpersonationState, RpPage } from '../core/types.js';
export { GatehouseRpError } from '../errors.js';
export { forbidWhileImpersonating } from './forbid-while-impersonating.js';
export { gatehouseRp } from './gatehouse-rp.js';
export type { ExpressMiddleware, ExpressRequest, ExpressResponse, GatehouseRpExpressOptions } from './types.js';
