/**
 * `gatehouse/rp`: kept for apps that import the kit from the server package. The kit itself is
 * the workspace package `@gatehouse/rp` (packages/rp), which depends only on jose.
 *
 * @packageDocumentation
 */
export * from '@gatehouse/rp';
