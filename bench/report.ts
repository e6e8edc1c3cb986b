/** The bench's report: one table on stdout, the same figures as JSON with `--json FILE`. */
import type { Measured } from './load.js';
import type { RedisCost } from './probe.js';

export interface Report {
  date: string;
  mode: 'quick' | 'full';
  connections: number;
  warmupSeconds: number;
  seconds: number;
  results: (Measured & { cpuMsPerRequest: number; peakRssMb?: number; redis?: RedisCost })[];
  /** Each scenario's req/s over client credentials' (the engine's own baseline). */
  ratios: Record<string, number>;
  /** VmHWM of the server process at the end of the run. */
  peakRssMb: number;
  idleRssMb: number;
  redisBytesPerTicket: number;
  redisTicketKeyBytes: number;
  memoryMethod: string;
}

const n = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/**
 * Issue 17's targets, each with its figure from this run: ratios to client credentials,
 * CPU per request against client credentials', memory, and the store's round trips.
 */
export function targets(r: Report): { name: string; figure: string; met: boolean }[] {
  const by = (name: string) => r.results.find((m) => m.name === name);
  const cpu = (name: string) => (by(name)?.cpuMsPerRequest ?? Number.NaN) / (by('client_credentials')?.cpuMsPerRequest ?? Number.NaN);
  const ratio = (name: string) => r.ratios[name] ?? Number.NaN;
  const trips = (name: string) => by(name)?.redis?.roundTrips ?? Number.NaN;
  return [
    { name: 'mint req/s ≥ 0.8× client credentials', figure: n(ratio('mint'), 2), met: ratio('mint') >= 0.8 },
    { name: 'redeem req/s ≥ 0.8× client credentials', figure: n(ratio('redeem'), 2), met: ratio('redeem') >= 0.8 },
    { name: 'introspection req/s ≥ 1.0× client credentials', figure: n(ratio('introspection'), 2), met: ratio('introspection') >= 1 },
    { name: 'mint CPU ms/request ≤ 1.5× client credentials\'', figure: `${n(cpu('mint'), 2)}×`, met: cpu('mint') <= 1.5 },
    { name: 'redeem CPU ms/request ≤ 1.5× client credentials\'', figure: `${n(cpu('redeem'), 2)}×`, met: cpu('redeem') <= 1.5 },
    { name: 'peak RSS ≤ 200 MB', figure: `${n(r.peakRssMb)} MB`, met: r.peakRssMb <= 200 },
    { name: 'Redis bytes per outstanding ticket ≤ 500', figure: String(r.redisBytesPerTicket), met: r.redisBytesPerTicket <= 500 },
    // Round trips are counted one request at a time; half a read of slack for background noise.
    { name: 'mint ≤ 2 dependent store round trips', figure: n(trips('mint'), 1), met: trips('mint') <= 2.5 },
    { name: 'redeem ≤ 1 store round trip before the answer', figure: n(trips('redeem'), 1), met: trips('redeem') <= 1.5 },
  ];
}

export function printReport(r: Report): void {
  const lines = [
    '',
    `Gatehouse (production build) under load: ${r.connections} connections, ${r.warmupSeconds}s warm-up + ${r.seconds}s measured per scenario (${r.mode})`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | errors | ratio to client credentials | server CPU ms/request | Redis commands/request | round trips/request | RSS MB (max in window) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.results.map(
      (m) =>
        `| ${m.name}${m.ticketsExhausted ? ' (ran out of tickets)' : ''} | ${n(m.rps)} | ${n(m.p50)} | ${n(m.p99)} | ${m.errors} | ${n(r.ratios[m.name] ?? Number.NaN, 2)} | ${n(m.cpuMsPerRequest, 2)} | ${n(m.redis?.commands ?? Number.NaN, 1)} | ${n(m.redis?.roundTrips ?? Number.NaN, 1)} | ${n(m.peakRssMb ?? Number.NaN)} |`,
    ),
    '',
    'Redis commands per request by name (sent one request at a time; a script counts once):',
    ...r.results.map((m) => `  ${m.name}: ${Object.entries(m.redis?.byCommand ?? {}).map(([c, k]) => `${c} ${k}`).join(', ') || '-'}`),
    '',
    `peak RSS of the server process: ${n(r.peakRssMb)} MB (idle before the load: ${n(r.idleRssMb)} MB)`,
    `Redis bytes per outstanding ticket: ${r.redisBytesPerTicket} (${r.memoryMethod}; MEMORY USAGE of one ticket key: ${r.redisTicketKeyBytes})`,
    '',
    'Targets (issue 17):',
    ...targets(r).map((t) => `  ${t.met ? 'met    ' : 'NOT MET'}  ${t.name}: ${t.figure}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const errors = r.results.filter((m) => m.errors > 0);
  for (const m of errors) process.stdout.write(`  ${m.name} answers: ${JSON.stringify(m.statuses)}\n`);
}
