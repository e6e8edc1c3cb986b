/**
 * A real redis-server per test file (ARCHITECTURE.md: no Redis mocks). Owning the process
 * is what lets fault tests stop Redis and bring it back on the same port. This helper
 * speaks RESP over a raw socket so that ioredis stays owned by src/store.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  // Server output goes to a file: pipes to this process would keep its event loop alive.
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  let child = await launch(port, dir);
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await kill(child);
    },
    async restart() {
      await kill(child);
      child = await launch(port, dir);
    },
  };
  onProcessEnd(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

const cleanups: (() => void)[] = [];
let hooked = false;
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * A crashed, finished or interrupted test run (the runner sends SIGTERM on a timeout) must
 * not leave redis-server processes behind. When nobody else handles the signal (the test
 * runner does, in-process), exit as the default handler would.
 */
export function onProcessEnd(cleanup: () => void): void {
  if (!hooked) {
    hooked = true;
    const runAll = () => {
      for (const fn of cleanups.splice(0)) fn();
    };
    process.on('exit', runAll);
    for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
      process.on(signal, () => {
        runAll();
        if (process.listenerCount(signal) === 1) process.exit(code);
      });
    }
  }
  cleanups.push(cleanup);
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

export function assertInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  // Never skip: a missing server must fail CI rather than hide the Redis half of the suite.
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-server is not installed or not on PATH (Debian: apt-get install redis-server). ' +
        'Integration and fault tests run a real Redis and are never skipped.',
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

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const logfile = join(dir, 'redis.log');
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];
  const child = spawn('redis-server', [...args, '--dir', dir, '--logfile', logfile, '--loglevel', 'warning'], {
    stdio: 'ignore',
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
  let log = '';
  try {
    log = readFileSync(logfile, 'utf8');
  } catch {}
  throw new Error(`redis-server on port ${port} did not answer PING:\n${log}`);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // An unref'd child would let the loop end before 'exit' arrives.
  child.ref();
  child.kill('SIGTERM');
  await exited;
}

export function answersPing(port: number): Promise<boolean> {
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
