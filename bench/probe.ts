/**
 * What one request costs Redis, counted rather than timed: each scenario's requests are sent
 * one at a time (nothing else in flight) while `redis-cli MONITOR` lists every command
 * Redis runs. Commands a Lua script runs itself (`[0 lua]`) are the script's, not the
 * server's, and are left out: a script is one command sent. Round trips come from Redis's
 * own `total_reads_processed` (INFO stats): with one request in flight, every store round
 * trip the server waits for is at least one read on Redis's side (commands of one event
 * loop tick leave in one write, ioredis auto-pipelining), so reads per request are its
 * dependent round trips, or an upper bound of them. An idle window of the same length is
 * measured first and taken off, for what runs in the background (queue workers, timers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli } from '../test/helpers/redis-node.js';

export interface RedisCost {
  /** Commands the server sent per request (scripts count once). */
  commands: number;
  /** Store round trips per request (reads on Redis's side). */
  roundTrips: number;
  /** Commands per request by name, most first. */
  byCommand: Record<string, number>;
}

interface Window {
  reads: number;
  commands: Map<string, number>;
  ms: number;
}

async function readsProcessed(port: number): Promise<number> {
  return Number(/total_reads_processed:(\d+)/.exec(await cli(port, 'INFO', 'stats'))![1]);
}

/** A MONITOR session counting commands by name, sources other than Lua only. */
function monitor(port: number) {
  const child: ChildProcess = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'MONITOR'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const commands = new Map<string, number>();
  let rest = '';
  let ready = false;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('OK')) ready = true;
      // 1733000000.123456 [0 127.0.0.1:50000] "evalsha" "…" …
      const match = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (!match || match[1] === 'lua') continue;
      const name = match[2]!.toLowerCase();
      commands.set(name, (commands.get(name) ?? 0) + 1);
    }
  });
  return {
    async started() {
      for (let i = 0; i < 100 && !ready; i++) await sleep(20);
    },
    async stop(): Promise<Map<string, number>> {
      // MONITOR lines arrive just after the command; give the last ones a moment.
      await sleep(200);
      child.kill();
      // The probe's own INFO calls are no cost of the requests.
      commands.delete('info');
      return commands;
    },
  };
}

async function measure(port: number, work: () => Promise<void>): Promise<Window> {
  const watch = monitor(port);
  await watch.started();
  const before = await readsProcessed(port);
  const start = Date.now();
  await work();
  const ms = Date.now() - start;
  const reads = (await readsProcessed(port)) - before;
  return { reads, commands: await watch.stop(), ms };
}

/**
 * Runs `request` `n` times, one after the other, and answers its cost per request, less
 * what an idle window as long costs.
 */
export async function probeRedisCost(port: number, n: number, request: (i: number) => Promise<void>): Promise<RedisCost> {
  const busy = await measure(port, async () => {
    for (let i = 0; i < n; i++) await request(i);
  });
  const idle = await measure(port, () => sleep(busy.ms));
  const byCommand: Record<string, number> = {};
  for (const [name, count] of busy.commands) {
    const net = (count - (idle.commands.get(name) ?? 0)) / n;
    if (net >= 0.05) byCommand[name] = Math.round(net * 10) / 10;
  }
  const sorted = Object.fromEntries(Object.entries(byCommand).sort((a, b) => b[1] - a[1]));
  const all = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    commands: Math.max(0, (all(busy.commands) - all(idle.commands)) / n),
    roundTrips: Math.max(0, (busy.reads - idle.reads) / n),
    byCommand: sorted,
  };
}
