/**
 * A TCP proxy in front of a Redis on loopback that can lose one reply: once armed, the next
 * bytes Redis answers are dropped and the client's connection is cut, so Redis has run the
 * command but the client never hears it did — what a network cut or a killed load balancer
 * does at the worst moment. Deterministic, unlike CLIENT KILL racing a command. It can also
 * cut every connection, and hold Redis's replies back until released (a slow network), so
 * that a test can act while a client waits for an answer.
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
  /** Cuts every connection through the proxy (the clients reconnect through it). */
  cutAll(): void;
  /**
   * Replies from Redis are held back from now on, in order, until `release()`; with `after`,
   * on each connection only once its client has sent a command matching it.
   */
  hold(after?: RegExp): void;
  /** Sends what was held, then lets replies through again. */
  release(): void;
  /** Resolves once clients have sent `count` commands matching `pattern` since this call. */
  sent(pattern: RegExp, count?: number): Promise<void>;
  /**
   * Resolves once `count` clients have closed their side since this call. A client's close
   * is not passed on (Redis would drop the connection): its replies can still reach it.
   */
  halfClosed(count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLostReplyProxy(target: { host: string; port: number }): Promise<LostReplyProxy> {
  let armed = false;
  let lost = 0;
  let holding: RegExp | boolean = false;
  const held: [net.Socket, Buffer][] = [];
  const watches = new Set<{ pattern: RegExp | 'end'; left: number; done: () => void }>();
  const watch = (pattern: RegExp | 'end', count: number) =>
    new Promise<void>((resolve) => {
      const w = { pattern, left: count, done: () => watches.delete(w) && resolve() };
      watches.add(w);
    });
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let sentTrigger = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      if (holding instanceof RegExp && holding.test(chunk.toString('latin1'))) sentTrigger = true;
      for (const w of watches) {
        if (w.pattern === 'end') continue;
        w.left -= chunk.toString('latin1').match(new RegExp(w.pattern.source, `${w.pattern.flags.replace('g', '')}g`))?.length ?? 0;
        if (w.left <= 0) w.done();
      }
      upstream.write(chunk);
    });
    client.on('end', () => {
      for (const w of watches) if (w.pattern === 'end' && --w.left <= 0) w.done();
    });
    upstream.on('end', cut);
    upstream.on('data', (chunk) => {
      if (holding === true || (holding && sentTrigger)) {
        held.push([client, chunk]);
        return;
      }
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
    cutAll() {
      for (const s of sockets) s.destroy();
    },
    hold(after) {
      holding = after ?? true;
    },
    release() {
      holding = false;
      for (const [client, chunk] of held.splice(0)) if (!client.destroyed) client.write(chunk);
    },
    sent: (pattern, count = 1) => watch(pattern, count),
    halfClosed: (count = 1) => watch('end', count),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
