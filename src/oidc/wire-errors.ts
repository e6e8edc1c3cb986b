/**
 * Two token-endpoint answers where the engine's error code differs from RFC 6749 §5.2
 * (and PROTOCOL §4): a client that authenticated not at all gets `invalid_client` (401),
 * and a client using a grant type it isn't registered for gets `unauthorized_client`.
 */
import type { Context, Next } from 'koa';

const CLIENT_ROUTES = new Set(['token', 'introspection', 'revocation']);

export function rfc6749Errors() {
  return async (ctx: Context, next: Next) => {
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (!route || !CLIENT_ROUTES.has(route) || ctx.status !== 400) return;
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (!body || typeof body !== 'object' || body.error !== 'invalid_request') return;
    if (body.error_description === 'no client authentication mechanism provided') {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Basic realm="gatehouse"');
      ctx.body = { error: 'invalid_client', error_description: 'client authentication is required' };
    } else if (route === 'token' && body.error_description === 'requested grant type is not allowed for this client') {
      ctx.body = { error: 'unauthorized_client', error_description: body.error_description };
    }
  };
}
