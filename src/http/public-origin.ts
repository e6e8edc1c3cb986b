/**
 * PROTOCOL §10.5: every URL Gatehouse publishes — discovery, the provider's redirects,
 * links and forms — comes from GATEHOUSE_ISSUER, never from the request. oidc-provider
 * builds its URLs from the request's origin (`ctx.href`: Host, or X-Forwarded-Host and
 * -Proto behind a trusted proxy, or an absolute request target); a request with
 * `Host: evil.example` got `token_endpoint: http://evil.example/token`, which a shared
 * cache could then serve to everyone. So every request is seen at the issuer's origin.
 *
 * The same fact makes cookies Secure (PROTOCOL §9, §10.4): the browser's side of the
 * connection is the issuer's scheme, https in production (config refuses anything else),
 * whatever the hop between a TLS-terminating load balancer and Gatehouse is. Koa's and
 * oidc-provider's cookies follow `ctx.secure`.
 */
import type { Context, Next } from 'koa';
import type { GatehouseConfig } from '../config/index.js';

/** The path and query of a request target, which may be in absolute form (RFC 9112 §3.2.2). */
function pathAndQuery(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

export function publicOrigin(config: Pick<GatehouseConfig, 'issuer' | 'production'>) {
  const issuer = new URL(config.issuer);
  const secure = config.production || issuer.protocol === 'https:';
  const fixed = (value: unknown) => ({ value, configurable: true, enumerable: true });
  return async (ctx: Context, next: Next) => {
    const request = ctx.request;
    Object.defineProperties(request, {
      protocol: fixed(issuer.protocol.slice(0, -1)),
      secure: fixed(secure),
      host: fixed(issuer.host),
      hostname: fixed(issuer.hostname),
      origin: fixed(issuer.origin),
      href: { get: () => `${issuer.origin}${pathAndQuery(request.originalUrl)}`, configurable: true, enumerable: true },
    });
    await next();
  };
}
