/** Cross-cutting middleware for our own routes: request ids, access logs, errors. */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../log.js';
import { StoreUnavailableError } from '../store/types.js';
import { render } from './render.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A request id per request, taken from X-Request-Id when well-formed, echoed back. */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      // Paths only: query strings can hold codes and tickets (never logged).
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}

function wantsJson(ctx: Context) {
  return ctx.accepts(['html', 'json']) === 'json' || ctx.path.startsWith('/api/') || ctx.path.startsWith('/audit/');
}

/**
 * Turns errors from our own routes into clear 4xx pages or RFC 6749-style JSON, and
 * never exposes a 5xx's message. An unreachable store is 503 temporarily_unavailable.
 */
export function errorHandler() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; message?: string; name?: string; error?: string; error_description?: string };
      let status = e.status && e.status >= 400 && e.status < 600 ? e.status : 500;
      let error = e.error ?? (status >= 500 ? 'server_error' : 'invalid_request');
      let description = e.error_description ?? (e.expose || status < 500 ? e.message : 'an unexpected error occurred');
      if (err instanceof StoreUnavailableError) {
        status = 503;
        error = 'temporarily_unavailable';
        description = 'the service is temporarily unavailable, try again shortly';
        ctx.set('Retry-After', '5');
      }
      if (e.name === 'SessionNotFound' || e.name === 'InvalidRequest' && /interaction/i.test(String(e.message))) {
        status = 400;
        description = 'This sign-in page has expired or was opened in another browser. Go back to the application and start again.';
      }
      if (status >= 500) ctx.state.log?.error({ err }, 'request failed');
      ctx.status = status;
      if (wantsJson(ctx)) {
        ctx.body = { error, error_description: description };
      } else {
        ctx.type = 'html';
        ctx.body = render('error', {
          title: status >= 500 ? 'Something went wrong' : 'This request cannot be completed',
          message: description,
          requestId: ctx.state.requestId,
        });
      }
    }
  };
}

/**
 * What nothing answered: a 404 page in Gatehouse's layout (or RFC 6749-style JSON for API
 * clients) instead of Koa's bare "Not Found". Mounted outermost of the routes, it sees the
 * provider's unmatched paths too; a 404 a route answered itself keeps its body.
 */
export function notFound() {
  return async (ctx: Context, next: Next) => {
    await next();
    if (ctx.status !== 404 || ctx.body != null) return;
    ctx.status = 404;
    ctx.set('Cache-Control', 'no-store');
    if (wantsJson(ctx)) {
      ctx.body = { error: 'invalid_request', error_description: 'there is nothing at this address' };
      return;
    }
    ctx.type = 'html';
    ctx.body = render('not-found', { title: 'Page not found', requestId: ctx.state.requestId });
  };
}
