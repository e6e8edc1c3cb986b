/**
 * The engine's own route modules that src/oidc/structured-tokens.ts extends: arrays of Koa
 * middleware (oidc-provider 9 ships no types for them, and no `exports` map that hides them).
 */
declare module 'oidc-provider/lib/actions/introspection.js' {
  const route: Array<(ctx: unknown, next: () => Promise<void>) => unknown>;
  export default route;
}
declare module 'oidc-provider/lib/actions/revocation.js' {
  const route: Array<(ctx: unknown, next: () => Promise<void>) => unknown>;
  export default route;
}
declare module 'oidc-provider/lib/shared/reject_structured_tokens.js' {
  const reject: (ctx: unknown, next: () => Promise<void>) => unknown;
  export default reject;
}
