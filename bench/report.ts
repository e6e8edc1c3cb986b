/** The bench's report: one table on stdout, the same figures as JSON with `--json FILE`. */
import type { Measured } from './load.js';

export interface Report {
  date: string;
  mode: 'quick' | 'full';
  connections: number;
  warmupSeconds: number;
  seconds: number;
  results: (Measured & { cpuMsPerRequest: number })[];
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

export function printReport(r: Report): void {
  const lines = [
    '',
    `Gatehouse (production build) under load: ${r.connections} connections, ${r.warmupSeconds}s warm-up + ${r.seconds}s measured per scenario (${r.mode})`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | errors | ratio to client credentials | server CPU ms/request |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.results.map(
      (m) =>
        `| ${m.name}${m.ticketsExhausted ? ' (ran out of tickets)' : ''} | ${n(m.rps)} | ${n(m.p50)} | ${n(m.p99)} | ${m.errors} | ${n(r.ratios[m.name] ?? Number.NaN, 2)} | ${n(m.cpuMsPerRequest, 2)} |`,
    ),
    '',
    `peak RSS of the server process: ${n(r.peakRssMb)} MB (idle before the load: ${n(r.idleRssMb)} MB)`,
    `Redis bytes per outstanding ticket: ${r.redisBytesPerTicket} (${r.memoryMethod}; MEMORY USAGE of one ticket key: ${r.redisTicketKeyBytes})`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const errors = r.results.filter((m) => m.errors > 0);
  for (const m of errors) process.stdout.write(`  ${m.name} answers: ${JSON.stringify(m.statuses)}\n`);
}
