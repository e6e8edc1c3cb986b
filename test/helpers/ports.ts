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
