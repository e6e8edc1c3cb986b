/**
 * `@gatehouse/rp/koa`: the Koa middleware (also exported from `@gatehouse/rp` itself).
 *
 * @packageDocumentation
 */
export type { ForbidWhileImpersonatingOptions } from '../core/forbid.js';
export type { EndedSessionStore, GatehouseRpEvent, GatehouseRpState, ImpersonationState, RpPage } from '../core/types.js';
export { GatehouseRpError } from '../errors.js';
export { forbidWhileImpersonating } from './forbid-while-impersonating.js';
export { gatehouseRp } from './gatehouse-rp.js';
export type { GatehouseRpOptions } from './types.js';
