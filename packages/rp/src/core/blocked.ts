/**
 * Which requests a guard (`forbidWhileImpersonating`) refused, so the activity report can
 * say "tried … — blocked". Keyed by the framework's request object (Koa's ctx, Express's
 * req, a web Request); nothing is kept once the request is gone.
 */
const blocked = new WeakSet<object>();

export function markBlocked(request: object): void {
  blocked.add(request);
}

export function wasBlocked(request: object): boolean {
  return blocked.has(request);
}
