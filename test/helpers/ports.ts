import net from 'node:net';

/** Ports handed out in this process: the OS may offer a just-released one again. */
const handedOut = new Set<number>();

/**
 * A loopback port free right now and never handed out before in this process, so several
 * taken in a row (before any is listened on) are distinct.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/**
 * The port of the tenant origins in every test config (`http://acme.localhost:<TENANT_PORT>`
 * and the rest of the dev config's tenants). This process holds it for as long as it runs,
 * with a listener that answers 404, so nothing a test mints, redirects to or posts a
 * back-channel logout to can reach another program — above all a developer's demo app
 * on 4000 (`npm start` beside `npm test`). A test that runs the demo app moves the tenants
 * to a port of its own (`tenantsOn` in gatehouse.ts).
 */
export const TENANT_PORT: number = await holdPort();

/** A dev-config tenant's origin in tests, e.g. `tenantOrigin('acme')`. */
export const tenantOrigin = (tenant: string): string => `http://${tenant}.localhost:${TENANT_PORT}`;

async function holdPort(): Promise<number> {
  const { createServer } = await import('node:http');
  const holder = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('a test-owned port: no tenant app here\n');
  });
  // Every interface, as the demo app listens; the process may exit with it listening.
  await new Promise<void>((resolve) => holder.listen(0, resolve));
  holder.unref();
  const { port } = holder.address() as net.AddressInfo;
  handedOut.add(port);
  return port;
}
