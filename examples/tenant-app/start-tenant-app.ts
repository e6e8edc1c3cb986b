/**
 * One process, several tenant sites: each request goes to the site whose origin's host matches
 * its `Host` header (`acme.localhost:4000`, `globex.localhost:4000`), as a reverse proxy in front
 * of two custom domains would route them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ResolvedOptions, resolveOptions, type TenantAppOptions } from './options.js';
import { createTenantSite } from './tenant-site.js';

export interface TenantApp {
  server: Server;
  /** The port it listens on (useful with `port: 0`). */
  port: number;
  /** The options as resolved (sites with their hosts). */
  options: ResolvedOptions;
  close(): Promise<void>;
}

/**
 * Starts the demo tenant app and resolves once it listens.
 *
 * @example
 * ```ts
 * const app = await startTenantApp({
 *   issuer: 'http://localhost:3000',
 *   port: 4000,
 *   consoleUrl: 'http://localhost:3000/admin',
 *   tenants: [{ id: 'acme', name: 'Acme Corp', origin: 'http://acme.localhost:4000', clientId: 'acme-app', clientSecret: 'dev-acme-secret' }],
 * });
 * ```
 */
export async function startTenantApp(input: TenantAppOptions): Promise<TenantApp> {
  const options = resolveOptions(input);
  const handlers = new Map(options.sites.map((site) => [site.host, createTenantSite(site, options).callback()]));

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').toLowerCase();
    // The path without its query (tickets and codes travel in queries).
    options.logger.debug?.({ host, method: req.method, path: (req.url ?? '').split('?')[0] }, 'request');
    const handler = handlers.get(host);
    if (handler) return void handler(req, res);
    // No site at this address: say so plainly, and never guess a tenant.
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`No tenant app at this address. Try one of:\n${options.sites.map((s) => `  ${s.origin}/`).join('\n')}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(input.port, input.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  options.logger.info({ port, sites: options.sites.map((s) => s.origin) }, 'tenant app listening');

  return {
    server,
    port,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeIdleConnections();
        server.close(() => resolve());
        // Keep-alive sockets of browsers would hold close() open; a demo app does not drain them.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}
