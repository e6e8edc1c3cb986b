/**
 * `npm run bench [-- --quick] [-- --json FILE]`: the production build of Gatehouse under
 * load from a separate process (autocannon), loopback only, bounded in time. See
 * bench/README.md for what is measured and how.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ticketStateKey } from '../src/impersonation/tickets.js';
import { terminateTlsFor } from '../test/helpers/loopback-tls.js';
import { cli } from '../test/helpers/redis-node.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { basic, form, impersonationRequests, post } from './actor.js';
import { buildProduction } from './build.js';
import { type Deployment, startDeployment } from './deployment.js';
import type { Measured, Plan, Scenario } from './load.js';
import { probeRedisCost, type RedisCost } from './probe.js';
import { printReport, type Report, targets } from './report.js';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'string' }, only: { type: 'string' } } });
/** `--only mint,redeem`: those scenarios after client credentials (the ratios' baseline), e.g. to profile one leg. */
const only = args.only ? new Set(['client_credentials', ...args.only.split(',')]) : undefined;
const quick = Boolean(args.quick);
const CONNECTIONS = 64;
const timing = quick ? { warmupSeconds: 2, seconds: 5 } : { warmupSeconds: 5, seconds: 20 };
const TICKETS_FOR_MEMORY = quick ? 500 : 2000;
/** Requests per scenario, one at a time, for the commands and round trips each costs Redis. */
const PROBED = quick ? 50 : 200;

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** VmRSS / VmHWM (peak) of a process, in MB, from /proc. */
function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN) / 1024;
}

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Samples the server's CPU time every 100 ms, so each scenario's window can be charged
 * its CPU ms per request: unlike req/s, that hardly moves when other work shares the machine.
 */
function sampleCpu(pid: number) {
  const samples: { at: number; ms: number; rssMb: number }[] = [];
  const take = () => samples.push({ at: Date.now(), ms: cpuMs(pid), rssMb: rssMb(pid, 'VmRSS') });
  take();
  const timer = setInterval(take, 100);
  const at = (t: number) => samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best)).ms;
  return {
    stop: () => clearInterval(timer),
    perRequest: (m: Measured) => (m.windowStart && m.windowEnd && m.requests ? (at(m.windowEnd) - at(m.windowStart)) / m.requests : Number.NaN),
    /** The largest resident set sampled during the scenario's measured window (which scenario drives the peak). */
    peakRssMb: (m: Measured) => Math.max(...samples.filter((s) => m.windowStart && m.windowEnd && s.at >= m.windowStart && s.at <= m.windowEnd).map((s) => s.rssMb)),
  };
}

async function usedMemory(port: number): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await cli(port, 'INFO', 'memory'))![1]);
}

/**
 * Redis bytes per outstanding ticket: INFO used_memory before and after minting N tickets
 * (nothing else runs meanwhile), divided by N: the ticket record, its audit event and any
 * index the mint writes. MEMORY USAGE of one ticket key is reported beside it.
 */
async function redisBytesPerTicket(dep: Deployment, redisPort: number, mintBody: Record<string, string>) {
  const auth = basic('support-console', dep.secrets.console);
  const before = await usedMemory(redisPort);
  let last = '';
  for (let i = 0; i < TICKETS_FOR_MEMORY; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, TICKETS_FOR_MEMORY - i) }, () => post(`${dep.issuer}/token`, auth, mintBody)));
    last = batch.at(-1)!.access_token!;
  }
  const after = await usedMemory(redisPort);
  const ticketKey = `bench:${ticketStateKey('acme', last)}`;
  const ticketKeyBytes = Number(await cli(redisPort, 'MEMORY', 'USAGE', ticketKey, 'SAMPLES', '0'));
  return { perTicket: Math.round((after - before) / TICKETS_FOR_MEMORY), ticketKeyBytes, tickets: TICKETS_FOR_MEMORY };
}

interface ProbeInputs {
  consoleAuth: string;
  acmeAuth: string;
  mintFields: Record<string, string>;
  redeemFields: (ticket: string) => Record<string, string>;
  impersonationToken: string;
}

/** Each scenario's Redis commands and round trips per request (bench/probe.ts), in the load's order. */
async function probeCosts(dep: Deployment, redisPort: number, p: ProbeInputs): Promise<Record<string, RedisCost>> {
  const tickets: string[] = [];
  const bearer = { authorization: `Bearer ${p.impersonationToken}` };
  const probes: Record<string, (i: number) => Promise<void>> = {
    client_credentials: async () => void (await post(`${dep.issuer}/token`, p.acmeAuth, { grant_type: 'client_credentials' })),
    mint: async () => void tickets.push((await post(`${dep.issuer}/token`, p.consoleAuth, p.mintFields)).access_token!),
    redeem: async (i) => void (await post(`${dep.issuer}/token`, p.acmeAuth, p.redeemFields(tickets[i]!))),
    introspection: async () => void (await post(`${dep.issuer}/token/introspection`, p.acmeAuth, { token: p.impersonationToken })),
    userinfo: async () => void (await getOk(`${dep.issuer}/me`, bearer)),
    discovery: async () => void (await getOk(`${dep.issuer}/.well-known/openid-configuration`, {})),
  };
  const out: Record<string, RedisCost> = {};
  for (const [name, probe] of Object.entries(probes)) out[name] = await probeRedisCost(redisPort, PROBED, probe);
  return out;
}

async function getOk(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  await res.arrayBuffer();
}

async function main() {
  buildProduction(say);
  const redis = await startRedisServer();
  const dep = await startDeployment(redis.url);
  const tls = terminateTlsFor(dep.issuer);
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-load-'));
  try {
    say(`production Gatehouse (dist/) pid ${dep.pid} at ${dep.issuer}, Redis ${redis.url}`);
    // The admin's passkey and step-up, over HTTP as a browser would (software authenticator).
    const { mintFields, redeemFields, consoleAuth, acmeAuth } = await impersonationRequests(dep);
    const ticket = (await post(`${dep.issuer}/token`, consoleAuth, mintFields)).access_token!;
    const impersonationToken = (await post(`${dep.issuer}/token`, acmeAuth, redeemFields(ticket))).access_token!;

    say(`Redis commands and round trips per request (${PROBED} requests per scenario, one at a time)`);
    const cost = await probeCosts(dep, redis.port, { consoleAuth, acmeAuth, mintFields, redeemFields, impersonationToken });

    say(`Redis bytes per ticket (${TICKETS_FOR_MEMORY} outstanding tickets)`);
    const memory = await redisBytesPerTicket(dep, redis.port, mintFields);
    const idleRssMb = rssMb(dep.pid, 'VmRSS');

    const proxied = { host: new URL(dep.issuer).host, 'x-forwarded-proto': 'https' };
    const formPost = (authorization: string) => ({ ...proxied, authorization, 'content-type': 'application/x-www-form-urlencoded' });
    const scenarios: Scenario[] = [
      { name: 'client_credentials', method: 'POST', path: '/token', headers: formPost(acmeAuth), body: form({ grant_type: 'client_credentials' }) },
      { name: 'mint', method: 'POST', path: '/token', headers: formPost(consoleAuth), body: form(mintFields), role: 'mint' },
      { name: 'redeem', method: 'POST', path: '/token', headers: formPost(acmeAuth), body: form(redeemFields('{ticket}')).replace('%7Bticket%7D', '{ticket}'), role: 'redeem' },
      { name: 'introspection', method: 'POST', path: '/token/introspection', headers: formPost(acmeAuth), body: form({ token: impersonationToken }) },
      { name: 'userinfo', method: 'GET', path: '/me', headers: { ...proxied, authorization: `Bearer ${impersonationToken}` } },
      { name: 'discovery', method: 'GET', path: '/.well-known/openid-configuration', headers: proxied },
    ];
    const plan: Plan = { url: dep.plain, connections: CONNECTIONS, ...timing, scenarios: scenarios.filter((s) => !only || only.has(s.name)) };
    const planPath = join(work, 'plan.json');
    const outPath = join(work, 'results.json');
    writeFileSync(planPath, JSON.stringify(plan));
    const cpu = sampleCpu(dep.pid);
    const loader = spawn(process.execPath, ['--import', 'tsx', resolve('bench/load.ts'), planPath, outPath], { stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((r) => loader.once('exit', r));
    if (code !== 0) throw new Error(`the load generator exited with ${code}`);
    cpu.stop();
    const results = (JSON.parse(readFileSync(outPath, 'utf8')) as Measured[]).map((m) => ({ ...m, cpuMsPerRequest: cpu.perRequest(m), peakRssMb: cpu.peakRssMb(m), redis: cost[m.name] }));

    const report: Report = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      connections: CONNECTIONS,
      ...timing,
      results,
      ratios: Object.fromEntries(results.map((r) => [r.name, r.rps / results[0]!.rps])),
      peakRssMb: rssMb(dep.pid, 'VmHWM'),
      idleRssMb,
      redisBytesPerTicket: memory.perTicket,
      redisTicketKeyBytes: memory.ticketKeyBytes,
      memoryMethod: `INFO used_memory delta over ${memory.tickets} outstanding tickets / ${memory.tickets}`,
    };
    printReport(report);
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ ...report, targets: targets(report) }, null, 2)}\n`);
  } finally {
    tls.restore();
    rmSync(work, { recursive: true, force: true });
    await dep.stop();
    await redis.stop();
  }
}

await main();
