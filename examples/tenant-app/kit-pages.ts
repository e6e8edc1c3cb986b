/**
 * The kit's own pages (a used or expired support link, a wrong method, Gatehouse unreachable)
 * in the site's look, through the kit's `renderPage` option: the kit's sentences, a way back to
 * the support console (the person reading is the support agent), and the reason code small, for
 * whoever debugs it.
 */
import type { RpPage } from '@gatehouse/rp';
import type { Context } from 'koa';
import { escapeHtml, layout } from './html.js';
import type { TenantSite } from './options.js';

export function renderKitPage(ctx: Context, site: TenantSite, consoleUrl: string, page: RpPage): string {
  const sentences = page.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const details = page.code ? `\n<p class="details">Details for support: <code>${escapeHtml(page.code)}</code></p>` : '';
  const body = `<div class="refused">
${sentences}
</div>
<p class="actions"><a class="button" href="${escapeHtml(consoleUrl)}">Back to the support console</a> <a href="/">${escapeHtml(site.name)} home</a></p>${details}`;
  return layout(ctx, site, { title: page.title, body });
}
