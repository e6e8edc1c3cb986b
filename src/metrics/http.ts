/**
 * Serving metrics: a Koa middleware that times every request under a low-cardinality route
 * label, `GET /metrics` on the main port for holders of the configured bearer token, and a
 * separate plain HTTP server for `metrics.port` (no token: keep that port internal).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Context, Next } from 'koa';
import type { Metrics } from './metrics.js';

/** The route a request matched: @koa/router's pattern, oidc-provider's route name, or a coarse bucket. */
function routeOf(ctx: Context): string {
  const oidcRoute = (ctx as { oidc?: { route?: string } }).oidc?.route;
  if (oidcRoute) return oidcRoute;
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.path.startsWith('/static/')) return '/static';
  return ctx.status === 404 ? 'not_found' : 'other';
}

export function recordRequests(metrics: Metrics) {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.observeRequest({ method: ctx.method, route: routeOf(ctx), status: ctx.status }, (performance.now() - started) / 1000);
    }
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `GET /metrics` with `Authorization: Bearer <token>`; anything else is 401 (RFC 6750 §3). */
export function metricsRoute(metrics: Metrics, token: string | undefined) {
  const expected = token ? digest(token) : undefined;
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== '/metrics' || !expected) return next();
    const presented = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token', error_description: 'metrics need the configured bearer token' };
      return;
    }
    if (ctx.method !== 'GET') return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}

/** A server for `metrics.port` that answers only `GET /metrics`. */
export function metricsServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'),
    );
  });
}
