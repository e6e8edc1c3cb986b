/**
 * A router mounted so that only requests it could answer pay for it. @koa/router matches
 * every route of a router against every request that reaches it, allocating as it goes; with
 * a dozen routers in a row, each token request paid for all of them (the routers' matching
 * was 8% of the bytes the server allocated under mint load, bench/README.md). Here a router
 * runs only for paths whose first segment one of its routes names literally (`/admin`,
 * `/account`, `/me`); a router with a route whose first segment is not literal runs for every
 * request, as before.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';

/** `/admin/users/:id` → `admin`; undefined when the first segment is a parameter or a pattern. */
function literalFirstSegment(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  const segment = path.slice(1).split('/')[0]!;
  return /^[A-Za-z0-9._~-]*$/.test(segment) ? segment : undefined;
}

const firstSegmentOf = (path: string) => {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
};

/**
 * The router's routes (and, unless `allowedMethods: false`, its 405/501 answers), run only for
 * paths under its first segments. A router that lets other methods fall through to what is
 * mounted after it (the provider's own `/me`) keeps `allowedMethods: false`.
 */
export function gatedRoutes(router: Router, options: { allowedMethods?: boolean } = {}): Middleware {
  const routes = router.routes() as unknown as Middleware;
  const allowed = options.allowedMethods === false ? undefined : (router.allowedMethods() as unknown as Middleware);
  const both: Middleware = allowed ? (ctx, next) => routes(ctx, () => allowed(ctx, next)) : routes;
  const segments = new Set<string>();
  for (const layer of router.stack) {
    const segment = literalFirstSegment(layer.path);
    if (segment === undefined) return both;
    segments.add(segment);
  }
  return (ctx, next) => (segments.has(firstSegmentOf(ctx.path)) ? both(ctx, next) : next());
}
