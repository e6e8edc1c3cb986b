/**
 * The building blocks of the Sentinel and Cluster topologies the scale-out suites run on:
 * one redis-server (or redis-sentinel) process on a free loopback port, and `redis-cli`
 * for administration (ioredis stays owned by src/store).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { answersPing, assertInstalled, onProcessEnd } from './redis-server.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;

export interface RedisNode {
  port: number;
  /** The node's own folder (config, log, data). */
  dir: string;
  readonly running: boolean;
  /** SIGKILL, as a crash: no shutdown save, no goodbye to replicas or sentinels. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same arguments. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a node that is there but answers nothing (a lagging or cut-off replica). */
  pause(): void;
  resume(): void;
}

/** A scratch folder removed when the test process ends. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-${name}-`));
  onProcessEnd(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A free loopback port whose +10000 neighbour (the Cluster bus port) is free too.
 */
export async function freeNodePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await listenOnce(0);
    if (port + 10_000 <= 65_535 && (await listenOnce(port + 10_000).catch(() => 0))) return port;
  }
  throw new Error('no free port pair for a Redis node');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const got = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * Starts `redis-server` (or, with `sentinel`, a Sentinel) on `port` with `config` lines
 * written to its own redis.conf, so that the node may rewrite it (Sentinel and Cluster do).
 */
export async function startNode(port: number, config: string[], options: { sentinel?: boolean; parent: string }): Promise<RedisNode> {
  assertInstalled();
  const dir = join(options.parent, String(port));
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'redis.conf');
  const base = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `logfile ${join(dir, 'redis.log')}`, 'loglevel notice'];
  writeFileSync(conf, `${[...base, ...config].join('\n')}\n`);
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = options.sentinel ? [conf, '--sentinel'] : [conf];
    child = spawn('redis-server', args, { stdio: 'ignore' });
    child.unref();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await answersPing(port)) return;
      await sleep(50);
    }
    child.kill('SIGKILL');
    throw new Error(`redis node on port ${port} did not answer PING:\n${readLog(dir)}`);
  };
  await launch();
  onProcessEnd(() => {
    child?.kill('SIGCONT');
    child?.kill('SIGKILL');
  });
  return {
    port,
    dir,
    get running() {
      return Boolean(child && child.exitCode === null && child.signalCode === null);
    },
    async kill() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.ref();
      child.kill('SIGKILL');
      await exited;
    },
    start: launch,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

/** Runs `redis-cli -p port args…` and returns its output (raw, one reply element a line). */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
  return stdout.trim();
}

/** Polls `check` until it holds; throws `what` with the last failure after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting until ${what}${last ? `: ${String(last)}` : ''}`);
}
