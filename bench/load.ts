/**
 * The load generator, run as its own process (`node --import tsx bench/load.ts plan.json
 * out.json`) so that its CPU is not the server's. One autocannon instance per scenario
 * keeps the same connections through the warm-up and the measured window; only
 * responses that arrive inside the window count.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** `mint` keeps the tickets it gets; `redeem` sends each kept ticket once, in `body` at `{ticket}`. */
  role?: 'mint' | 'redeem';
}

export interface Plan {
  url: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  scenarios: Scenario[];
}

export interface Measured {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and transport errors inside the window. */
  errors: number;
  statuses: Record<string, number>;
  ticketsExhausted?: boolean;
  /** The measured window, epoch ms (to attribute the server's CPU time to the scenario). */
  windowStart?: number;
  windowEnd?: number;
}

const tickets: string[] = [];
let nextTicket = 0;

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function run(plan: Plan, scenario: Scenario, opts: { measure: boolean; amount?: number } = { measure: true }): Promise<Measured> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let exhausted = false;
  const started = Date.now();
  const windowStart = started + plan.warmupSeconds * 1000;
  const inWindow = () => !opts.measure || Date.now() >= windowStart;
  const request: autocannon.Request = {
    method: scenario.method,
    path: scenario.path,
    headers: scenario.headers,
    ...(scenario.body !== undefined ? { body: scenario.body } : {}),
  };
  if (scenario.role === 'mint') {
    request.onResponse = (status: number, body: string) => {
      if (status === 200) tickets.push((JSON.parse(body) as { access_token: string }).access_token);
    };
  }
  if (scenario.role === 'redeem') {
    request.setupRequest = (req: autocannon.Request) => {
      const ticket = tickets[nextTicket++];
      if (ticket === undefined) exhausted = true;
      return { ...req, body: scenario.body!.replace('{ticket}', ticket ?? 'exhausted') };
    };
  }
  let finished!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = (err) => (err ? reject(err) : resolve());
  });
  const instance = autocannon(
    {
      url: plan.url,
      connections: plan.connections,
      ...(opts.amount ? { amount: opts.amount } : { duration: plan.warmupSeconds + plan.seconds }),
      requests: [request],
      timeout: 10,
    },
    finished,
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (!inWindow()) return;
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode < 200 || statusCode >= 300) errors++;
  });
  instance.on('reqError', () => {
    if (!inWindow()) return;
    errors++;
    statuses.transport = (statuses.transport ?? 0) + 1;
  });
  await done;
  latencies.sort((a, b) => a - b);
  const seconds = opts.measure ? plan.seconds : (Date.now() - started) / 1000;
  return {
    name: scenario.name,
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    statuses,
    ...(scenario.role === 'redeem' ? { ticketsExhausted: exhausted } : {}),
    ...(opts.measure ? { windowStart, windowEnd: windowStart + plan.seconds * 1000 } : {}),
  };
}

async function main() {
  const [planPath, outPath] = process.argv.slice(2);
  if (!planPath || !outPath) throw new Error('usage: load.ts plan.json out.json');
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as Plan;
  const results: Measured[] = [];
  let mintRps = 0;
  for (const scenario of plan.scenarios) {
    if (scenario.role === 'redeem') {
      // Fresh tickets for every redemption of the run: the mint run's, topped up (not
      // measured) to well over what the redeem run can use at the mint rate.
      const mint = plan.scenarios.find((s) => s.role === 'mint');
      const wanted = Math.min(200_000, Math.ceil(2.5 * Math.max(mintRps, 100) * (plan.warmupSeconds + plan.seconds)));
      if (mint && tickets.length < wanted) await run(plan, mint, { measure: false, amount: wanted - tickets.length });
      process.stderr.write(`bench: ${tickets.length} fresh tickets ready\n`);
    }
    process.stderr.write(`bench: ${scenario.name} (${plan.warmupSeconds}s warm-up, ${plan.seconds}s measured, ${plan.connections} connections)\n`);
    const measured = await run(plan, scenario);
    if (scenario.role === 'mint') mintRps = measured.rps;
    results.push(measured);
  }
  writeFileSync(outPath, JSON.stringify(results, null, 2));
}

await main();
