/**
 * The kit's `forbidWhileImpersonating` decides; this only dresses its HTML refusal in the site's
 * layout, so the banner (and its Stop button) stays on screen. JSON clients get the kit's JSON.
 */
import type { Middleware } from 'koa';
import { forbidWhileImpersonating } from '@gatehouse/rp/koa';
import { escapeHtml, type SiteState, sendHtml } from './html.js';
import type { TenantSite } from './options.js';

export function refuseWhileImpersonating(site: TenantSite, message: string): Middleware<SiteState> {
  const guard = forbidWhileImpersonating({ message });
  return async function refuseWhileImpersonatingMiddleware(ctx, next) {
    let allowed = false;
    await guard(ctx, () => {
      allowed = true;
      return next();
    });
    if (!allowed && ctx.status === 403 && ctx.response.is('html')) {
      sendHtml(ctx, site, 403, {
        title: 'Not available during a support session',
        body: `<p class="refused">${escapeHtml(message)}</p>`,
      });
    }
  };
}
