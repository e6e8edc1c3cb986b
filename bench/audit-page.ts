/**
 * The console's audit page with 1,000 events stored and with 1,000,000: the page reads
 * each log backwards from its end, so its time should not depend on how long the logs
 * are. One Gatehouse (in this process) on a real redis-server; the events are written
 * straight into the acme log in batches (as appends would, without the HTTP in front).
 * Then, at each size, a checkpoint (growing the tree) and a full verification, with the
 * heap they needed: verification streams, so its memory should not grow with the log.
 *
 *   npm run bench:audit-page            # 1,000 then 1,000,000 events
 *   BENCH_EVENTS=200000 npm run bench:audit-page
 */
import { execFileSync } from 'node:child_process';
import { issueCheckpoint, leafOf, logOrigin, verifyLog } from '../src/audit/index.js';
import { keys } from '../src/store/index.js';
import { signInConsole } from '../test/helpers/console.js';
import { startGatehouse } from '../test/helpers/gatehouse.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const BATCH = 1_000;

const redis = await startRedisServer();
const gh = await startGatehouse({
  redisUrl: redis.url,
  configure: (raw) => {
    raw.audit = { checkpointSeconds: 86_400 };
  },
});
gh.gatehouse.services.logger.level = 'warn';
const store = gh.gatehouse.services.store;
let written = 0;

/** Realistic events (about the size Gatehouse writes), appended until the acme log holds `total`. */
async function fillTo(total: number) {
  const start = Date.now();
  while (written < total) {
    const count = Math.min(BATCH, total - written);
    const leaves = Array.from({ length: count }, (_, i) => {
      const n = written + i;
      return leafOf({
        id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        time: new Date(start - (total - n) * 1000).toISOString(),
        type: n % 2 ? 'impersonation.started' : 'impersonation.ticket_issued',
        outcome: 'success',
        admin: 'adm_bench',
        user: `usr_${n % 5000}`,
        tenant: 'acme',
        client: 'support-console',
        reason: `Ticket #${n}: customer cannot see invoices`,
        requestId: `req-${n}`,
        ip: '203.0.113.9',
        userAgent: 'Mozilla/5.0 (bench)',
        sid: `imp_${n}`,
        details: { adminEmail: 'alice@gatehouse.test', userEmail: `user${n % 5000}@acme.test`, seconds: 1800 },
      });
    });
    await store.tlogAppend(keys.auditLog('acme'), leaves);
    written += count;
  }
}

async function timePage(agent: Awaited<ReturnType<typeof signInConsole>>['agent'], path: string) {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES + 5; i++) {
    const t = performance.now();
    const res = await agent.fetch(`${gh.issuer}${path}`);
    const html = await res.text();
    if (res.status !== 200 || !html.includes('data-event=')) throw new Error(`${path}: ${res.status}`);
    if (i >= 5) samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, p90: samples[Math.floor(samples.length * 0.9)]! };
}

const usedMemory = () => /used_memory_human:(\S+)/.exec(execFileSync('redis-cli', ['-u', redis.url, 'INFO', 'memory'], { encoding: 'utf8' }))?.[1];

try {
  const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
  const pages = ['/admin/audit', '/admin/audit?tenant=acme&type=impersonation.started'];
  const results: Record<string, Array<{ median: number; p90: number }>> = {};
  for (const total of [SMALL, LARGE]) {
    const t = Date.now();
    await fillTo(total);
    console.log(`${total.toLocaleString('en')} events stored (filled in ${((Date.now() - t) / 1000).toFixed(0)} s; Redis uses ${usedMemory()})`);
    for (const page of pages) {
      const r = await timePage(agent, page);
      results[page] = [...(results[page] ?? []), r];
      console.log(`  ${page.padEnd(52)} median ${r.median.toFixed(1)} ms  p90 ${r.p90.toFixed(1)} ms`);
    }
    const { issuer, key } = { issuer: gh.config.issuer, key: gh.gatehouse.services.auditKey };
    let t0 = performance.now();
    await issueCheckpoint(store, { issuer, key, log: 'acme' });
    console.log(`  checkpoint (tree grown to ${total.toLocaleString('en')}): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
    t0 = performance.now();
    const verified = await verifyLog(store, { log: 'acme', origin: logOrigin(issuer, 'acme'), key });
    clearInterval(sampler);
    if (!verified.ok) throw new Error(JSON.stringify(verified.problem));
    console.log(`  verify: ${((performance.now() - t0) / 1000).toFixed(1)} s, heap peak ${((peak - heapBefore) / 1e6).toFixed(1)} MB above the start`);
  }
  for (const page of pages) {
    const [small, large] = results[page]!;
    console.log(`ratio ${LARGE.toLocaleString('en')} / ${SMALL.toLocaleString('en')} events, ${page}: median ${(large!.median / small!.median).toFixed(2)}×`);
  }
} finally {
  await gh.stop();
  await redis.stop();
}
