/**
 * A TCP proxy in front of a Redis on loopback that can lose one reply: once armed, the next
 * bytes Redis answers are dropped and the client's connection is cut, so Redis has run the
 * command but the client never hears it did — what a network cut or a killed load balancer
 * does at the worst moment. Deterministic, unlike CLIENT KILL racing a command.
 */
import { once } from 'node:events';
import net from 'node:net';

export interface LostReplyProxy {
  /** `redis://127.0.0.1:<port>`: point the client here. */
  url: string;
  /** The next reply from Redis (on any connection) is dropped and that connection cut. */
  loseNextReply(): void;
  /** How many replies were lost so far. */
  lost(): number;
  close(): Promise<void>;
}

export async function startLostReplyProxy(target: { host: string; port: number }): Promise<LostReplyProxy> {
  let armed = false;
  let lost = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (armed) {
        armed = false;
        lost += 1;
        cut();
        return;
      }
      client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', () => {
        sockets.delete(s);
        cut();
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    loseNextReply: () => {
      armed = true;
    },
    lost: () => lost,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
