/**
 * `gatehouse/rp`: kept for apps that import the kit from the server package, as they did: the
 * framework-free kit and its Koa middleware (the server package depends on Koa anyway). The
 * kit itself is the workspace package `@gatehouse/rp` (packages/rp), which depends only on jose.
 *
 * @packageDocumentation
 */
export * from '@gatehouse/rp';
export { forbidWhileImpersonating, type GatehouseRpOptions, gatehouseRp } from '@gatehouse/rp/koa';
