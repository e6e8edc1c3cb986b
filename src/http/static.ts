/** A tiny allow-listed static file server: only these files, read once at start. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { Context, Next } from 'koa';
import { PACKAGE_ROOT } from '../package-root.js';

const root = PACKAGE_ROOT;
const require = createRequire(import.meta.url);

/**
 * @simplewebauthn/browser's UMD bundle. The package exports only its modules; the bundle
 * sits beside them (../dist/bundle). It is a devDependency, so a production install
 * (`npm ci --omit=dev`, the Docker image) has no node_modules copy: the image build puts
 * the bundle in static/vendor/ instead.
 */
function browserBundle(): string {
  try {
    return resolve(dirname(require.resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js');
  } catch {
    return resolve(root, 'static/vendor/simplewebauthn-browser.js');
  }
}

function files(): Map<string, { type: string; body: Buffer }> {
  const entries: [string, string, string][] = [
    ['/static/gatehouse.css', resolve(root, 'static/gatehouse.css'), 'text/css; charset=utf-8'],
    ['/static/passkey.js', resolve(root, 'static/passkey.js'), 'text/javascript; charset=utf-8'],
    ['/static/console.js', resolve(root, 'static/console.js'), 'text/javascript; charset=utf-8'],
    ['/static/access-request.js', resolve(root, 'static/access-request.js'), 'text/javascript; charset=utf-8'],
    ['/static/simplewebauthn-browser.js', browserBundle(), 'text/javascript; charset=utf-8'],
    // The layout links the SVG; browsers that ask for /favicon.ico anyway get the same icon.
    ['/static/favicon.svg', resolve(root, 'static/favicon.svg'), 'image/svg+xml'],
    ['/favicon.ico', resolve(root, 'static/favicon.svg'), 'image/svg+xml'],
  ];
  const map = new Map<string, { type: string; body: Buffer }>();
  for (const [path, file, type] of entries) {
    try {
      map.set(path, { type, body: readFileSync(file) });
    } catch {
      // Optional assets (a feature's script) may be absent; they are simply not served.
    }
  }
  return map;
}

export function serveStatic() {
  const map = files();
  return async (ctx: Context, next: Next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? map.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = file.body;
  };
}
