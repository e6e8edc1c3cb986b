/**
 * Discovery and the JWKS are public and, since their URLs come only from the issuer
 * (src/http/public-origin.ts), the same for every caller: caches may keep them a while.
 * oidc-provider sends no Cache-Control on them. The JWKS lifetime is short so a key added
 * for rotation is seen within minutes (docs/operating.md, key rotation).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

export const DISCOVERY_CACHE_CONTROL = 'public, max-age=3600';
export const JWKS_CACHE_CONTROL = 'public, max-age=300';

export function publicMetadataCaching() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    if (ctx.status !== 200 || !ctx.oidc) return;
    if (ctx.oidc.route === 'discovery') ctx.set('Cache-Control', DISCOVERY_CACHE_CONTROL);
    if (ctx.oidc.route === 'jwks') ctx.set('Cache-Control', JWKS_CACHE_CONTROL);
  };
}
