/**
 * `@gatehouse/rp/koa`: the Koa middleware. Its types refer to Koa's (`@types/koa`), which is why
 * it is not in the framework-free `@gatehouse/rp`.
 *
 * @packageDocumentation
 */
export type { ForbidWhileImpersonatingOptions } from '../core/forbid.js';
export type { EndedSessionStore, GatehouseRpEvent, GatehouseRpState, ImpersonationState, RpPage } from '../core/types.js';
export { GatehouseRpError } from '../errors.js';
export { forbidWhileImpersonating } from './forbid-while-impersonating.js';
export { gatehouseRp } from './gatehouse-rp.js';
export type { GatehouseRpOptions } from './types.js';
