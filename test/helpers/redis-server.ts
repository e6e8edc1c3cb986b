/**
 * A real redis-server per test file (ARCHITECTURE.md: no Redis mocks). Owning the process
 * is what lets fault tests stop Redis and bring it back on the same port. This helper
 * speaks RESP over a raw socket so that ioredis stays owned by src/store.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RedisServer {
  url: string;
  port: number;
  /** Kill the server and wait until it has exited. */
  stop(): Promise<void>;
  /** Start it again on the same port (clients reconnect to the same URL). */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export async function startRedisServer(): Promise<RedisServer> {
  assertInstalled();
  const port = await freePort();
  let child = await launch(port);
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await kill(child);
    },
    async restart() {
      await kill(child);
      child = await launch(port);
    },
  };
  // A crashed or interrupted test run must not leave redis-server processes behind.
  process.once('exit', () => child.kill('SIGKILL'));
  return server;
}

let shared: Promise<RedisServer> | undefined;

/**
 * `REDIS_URL` when set (CI with a service container), else one redis-server shared by this
 * test process, killed when the process exits.
 */
export async function testRedisUrl(): Promise<string> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv) return fromEnv;
  shared ??= startRedisServer();
  return (await shared).url;
}

function assertInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  // Never skip: a missing server must fail CI rather than hide the Redis half of the suite.
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-server is not installed (or not on PATH); install it (Debian: apt-get install redis-server) ' +
        'or set REDIS_URL. Integration tests need a real Redis and are never skipped.',
    );
  }
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

async function launch(port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];
  const child = spawn('redis-server', [...args, '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  // Let the test process exit while the server runs; the exit hook kills it.
  child.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await answersPing(port)) return child;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING:\n${output}`);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
