/**
 * Where the engine's answer differs from RFC 6749 §5.2 (and PROTOCOL §4):
 * - a client that authenticated not at all gets `invalid_client` (401);
 * - a client using a grant type it isn't registered for gets `unauthorized_client`;
 * - an unreachable store is 503 `temporarily_unavailable`, never a 500.
 */
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { render } from '../http/render.js';

const CLIENT_ROUTES = new Set(['token', 'introspection', 'revocation']);

export function rfc6749Errors(provider: Provider) {
  const storeDown = new WeakSet<object>();
  (provider as unknown as NodeJS.EventEmitter).on('server_error', (ctx: object, err: Error) => {
    if (err?.name === 'StoreUnavailableError') storeDown.add(ctx);
  });

  return async (ctx: Context, next: Next) => {
    await next();
    if (storeDown.has(ctx)) {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      const description = 'the service is temporarily unavailable, try again shortly';
      if (ctx.response.is('html')) {
        ctx.body = render('error', { title: 'Temporarily unavailable', message: description, requestId: ctx.state.requestId });
      } else {
        ctx.body = { error: 'temporarily_unavailable', error_description: description };
      }
      return;
    }
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
