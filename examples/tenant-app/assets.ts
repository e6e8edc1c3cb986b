/**
 * The site's static files: an allow-list read once at start, plus /theme.css with the tenant's
 * colour. External files only, so the CSP can stay `script-src 'self'; style-src 'self'`.
 */
import { readFileSync } from 'node:fs';
import type { Middleware } from 'koa';
import type { TenantSite } from './options.js';

const PUBLIC = new URL('./public/', import.meta.url);
const FILES: [path: string, file: string, type: string][] = [
  ['/app.css', 'app.css', 'text/css; charset=utf-8'],
  ['/countdown.js', 'countdown.js', 'text/javascript; charset=utf-8'],
  ['/analytics.js', 'analytics.js', 'text/javascript; charset=utf-8'],
  ['/favicon.svg', 'favicon.svg', 'image/svg+xml'],
  // Browsers ask for it whatever the page says: the same icon, not a 404 on every page.
  ['/favicon.ico', 'favicon.svg', 'image/svg+xml'],
];

let loaded: Map<string, { type: string; body: Buffer }> | undefined;
function files() {
  loaded ??= new Map(FILES.map(([path, file, type]) => [path, { type, body: readFileSync(new URL(file, PUBLIC)) }]));
  return loaded;
}

export function serveAssets(site: TenantSite): Middleware {
  const theme = Buffer.from(`:root { --accent: ${site.accent}; }\n`);
  const map = new Map(files()).set('/theme.css', { type: 'text/css; charset=utf-8', body: theme });
  return async function assets(ctx, next) {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? map.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = file.body;
  };
}
