/**
 * Requests that are malformed before any route sees them, answered as the client's error
 * (4xx) rather than left to fail deeper as a 5xx.
 *
 * Wrong HTTP methods are the client's error. Left alone, @koa/router answers a method it
 * does not know (PROPFIND, TRACE…) with 501, a 5xx that pages whoever watches error
 * rates, and oidc-provider answers `GET /token` with a text/plain 404. Both become 405
 * (RFC 9110 §15.5.6) with an Allow header; on the OAuth endpoints the body is the
 * RFC 6749 §5.2 JSON error every client of those endpoints already parses.
 */
import type { Context, Next } from 'koa';

/** The methods any of our routes, or the provider's, serve. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * oidc-provider's default routes (createProvider does not change `routes`) and the methods
 * each serves; OPTIONS is the CORS preflight the provider answers itself.
 */
const OAUTH_ENDPOINTS = new Map<string, string[]>([
  ['/.well-known/openid-configuration', ['GET', 'HEAD', 'OPTIONS']],
  ['/.well-known/oauth-authorization-server', ['GET', 'HEAD', 'OPTIONS']],
  ['/jwks', ['GET', 'HEAD', 'OPTIONS']],
  // `enableHttpPostMethods` stays off (its default): no POST to /auth or /session/end.
  ['/auth', ['GET', 'HEAD']],
  ['/token', ['POST', 'OPTIONS']],
  ['/token/introspection', ['POST', 'OPTIONS']],
  ['/token/revocation', ['POST', 'OPTIONS']],
  ['/me', ['GET', 'HEAD', 'POST', 'OPTIONS']],
  ['/session/end', ['GET', 'HEAD']],
  ['/session/end/confirm', ['POST']],
  ['/session/end/success', ['GET', 'HEAD']],
]);

export function methodNotAllowed() {
  return async (ctx: Context, next: Next) => {
    // The provider's router ignores case and one trailing slash; so does this lookup.
    const path = ctx.path.length > 1 ? ctx.path.replace(/\/$/, '').toLowerCase() : ctx.path;
    const allowed = OAUTH_ENDPOINTS.get(path);
    if (allowed && !allowed.includes(ctx.method)) {
      ctx.status = 405;
      ctx.set('Allow', allowed.join(', '));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: 'invalid_request',
        error_description: `${ctx.method} is not allowed here; use ${allowed.filter((m) => m !== 'HEAD' && m !== 'OPTIONS').join(' or ')}`,
      };
      return;
    }
    if (!KNOWN_METHODS.has(ctx.method)) {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD, POST');
      ctx.body = 'Method Not Allowed';
      return;
    }
    await next();
  };
}

/** Characters a Host header may not hold (userinfo, path, query, fragment, whitespace). */
const NOT_IN_HOST = /[@/?#\\\s]/;

/**
 * RFC 9112 §3.2: a Host with an invalid value is answered 400. Node does not check it, and
 * the provider builds discovery and redirect URLs from it (a port of 99999 made
 * `new URL()` throw, a 500). An HTTP/1.0 request without a Host gives it nothing to build
 * them from either. Mount this after the health routes, which answer whatever the Host.
 */
export function validHost() {
  return async (ctx: Context, next: Next) => {
    const host = ctx.host;
    if (!host || NOT_IN_HOST.test(host) || !URL.canParse(`${ctx.protocol}://${host}`)) {
      // JSON in the RFC 6749 §5.2 shape: the OAuth endpoints' callers parse nothing else.
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'the Host header is missing or invalid' };
      return;
    }
    await next();
  };
}
