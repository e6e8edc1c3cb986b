/**
 * `@gatehouse/rp/fetch`: the kit on web-standard `Request` and `Response` (Hono, Next.js route
 * handlers, Bun, Deno, workers; Fastify and Node through their fetch adapters).
 *
 * @packageDocumentation
 */
export type { ForbidWhileImpersonatingOptions } from '../core/forbid.js';
export type { EndedSessionStore, GatehouseRpEvent, GatehouseRpState, ImpersonationState, RpPage } from '../core/types.js';
export { GatehouseRpError } from '../errors.js';
export {
  type GatehouseRpFetch,
  type GatehouseRpFetchOptions,
  type GatehouseRpFetchResult,
  gatehouseRp,
} from './gatehouse-rp.js';
