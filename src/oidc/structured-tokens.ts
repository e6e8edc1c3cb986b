/**
 * JWT access tokens at introspection (RFC 7662) and revocation (RFC 7009). oidc-provider
 * refuses every structured token there (OIDC-PROVIDER-NOTES "JWT access tokens"); building
 * and handling that refusal was 7–16% of the server's CPU under introspection load
 * (bench/README.md). So Gatehouse's answer for them goes into the engine's own route, one
 * step before the step that would refuse them: everything ahead of it — body parsing, the
 * parameters, client authentication, the duplicate and presence checks — is the engine's
 * own code in its own order, and a client whose authentication failed never reaches it
 * (the engine throws first; `ctx.oidc.client` alone would prove nothing). Other tokens go
 * on to the engine untouched.
 *
 * The routes are the arrays the engine builds its router from at construction, so the step
 * is added once, before the first Provider is made; each provider answers through its own
 * handler. An engine upgrade that moves the refusal fails here at startup, not silently.
 */
import introspectionRoute from 'oidc-provider/lib/actions/introspection.js';
import revocationRoute from 'oidc-provider/lib/actions/revocation.js';
import rejectStructuredTokens from 'oidc-provider/lib/shared/reject_structured_tokens.js';
import { isStructuredToken } from '../keys/index.js';
import type { KoaContextWithOIDC, default as Provider } from 'oidc-provider';

/** Answers a structured token for an authenticated client (`ctx.oidc.client`), setting the response. */
export interface StructuredTokenHandlers {
  introspection(ctx: KoaContextWithOIDC, token: string): Promise<void>;
  revocation(ctx: KoaContextWithOIDC, token: string): Promise<void>;
}

const handlers = new WeakMap<object, StructuredTokenHandlers>();

function step(route: 'introspection' | 'revocation') {
  return async function answerStructuredToken(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
    const handler = handlers.get(ctx.oidc.provider);
    const token = (ctx.oidc.params as { token?: unknown } | undefined)?.token;
    if (!handler || !isStructuredToken(token)) return next();
    await handler[route](ctx, token);
  };
}

const routes = [
  { name: 'introspection', stack: introspectionRoute },
  { name: 'revocation', stack: revocationRoute },
] as const;

for (const { name, stack } of routes) {
  const at = stack.indexOf(rejectStructuredTokens);
  if (at < 0) throw new Error(`oidc-provider's ${name} route no longer refuses structured tokens where Gatehouse expects it (src/oidc/structured-tokens.ts)`);
  stack.splice(at, 0, step(name) as (typeof stack)[number]);
}

/** Must run before `new Provider()` is ever called: importing this module has done the insertion. */
export function answerStructuredTokens(provider: Provider, handler: StructuredTokenHandlers): void {
  handlers.set(provider, handler);
}
