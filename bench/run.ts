/**
 * Load benchmark: the token endpoint of one Gatehouse process (`src/server.ts`, as
 * deployed) over a real redis-server, loaded from this process over loopback, bounded in
 * count. Prints throughput and the ratio of each impersonation leg to a plain
 * client-credentials grant measured in the same run (ratios, not absolute numbers, are
 * what compare across these shared, noisy machines). Mint and redeem each append audit
 * events; client credentials appends none, so the ratios show what the audit log costs.
 *
 *   npm run bench            # 2,000 requests per scenario, 64 in flight
 *   BENCH_REQUESTS=5000 BENCH_IN_FLIGHT=32 BENCH_ROUNDS=4 npm run bench
 */
import { createAccounts } from '../src/accounts/index.js';
import { createStore, waitForReady } from '../src/store/index.js';
import { configureExchange, mintFields, redeemFields, tokenRequest } from '../test/exchange/setup.js';
import { SoftwareAuthenticator } from '../test/helpers/authenticator.js';
import { registerPasskey, signInConsole, stepUp } from '../test/helpers/console.js';
import { baseConfig, testKeys } from '../test/helpers/gatehouse.js';
import { spawnGatehouse, writeConfig } from '../test/helpers/gatehouse-process.js';
import { freePort } from '../test/helpers/ports.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

interface Tally {
  count: number;
  seconds: number;
  failures: number;
  latencies: number[];
}
const tallies = new Map<string, Tally>();

/** Runs `count` requests, `IN_FLIGHT` at a time, adding to the scenario's tally. */
async function run(name: string, count: number, one: (i: number) => Promise<number>) {
  const tally = tallies.get(name) ?? { count: 0, seconds: 0, failures: 0, latencies: [] };
  tallies.set(name, tally);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        if ((await one(i)) !== 200) tally.failures++;
        tally.latencies.push(performance.now() - t);
      }
    }),
  );
  tally.seconds += (performance.now() - started) / 1000;
  tally.count += count;
}

function report(name: string): number {
  const { count, seconds, failures, latencies } = tallies.get(name)!;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  const rps = count / seconds;
  console.log(`${name.padEnd(22)} ${rps.toFixed(0).padStart(6)} req/s  p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  failures ${failures}`);
  return rps;
}

const redis = await startRedisServer();
const port = await freePort();
const issuer = `http://localhost:${port}`;
const raw = baseConfig();
configureExchange(raw);
raw.storePrefix = 'bench';
raw.policy.rateLimits = { ticketsPerAdmin: { points: 1_000_000, duration: 60 } };
for (const client of raw.clients) if (client.role === 'support-console') client.redirectUris = [`${issuer}/admin/callback`];
const server = await spawnGatehouse({
  configPath: writeConfig(raw),
  port,
  env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), LOG_LEVEL: 'warn', GATEHOUSE_DEMO_APP: 'off' },
});
const { store, redis: client } = createStore({ url: redis.url }, { prefix: 'bench' });
try {
  await waitForReady(client!, 5_000);
  const key = new SoftwareAuthenticator();
  const { agent } = await signInConsole(issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
  await registerPasskey(agent, issuer, key, 'bench');
  const actor = (await stepUp(issuer, agent, key)).accessToken;
  const bob = (await createAccounts(store, { argon2: raw.policy.argon2 }).users.findByEmail('acme', 'bob@acme.test'))!.id;

  const scenarios = {
    clientCredentials: (n: number) =>
      run('client_credentials', n, async () => (await tokenRequest(issuer, 'acme-app', { grant_type: 'client_credentials' })).status),
    /** Mints n tickets, then redeems every one minted. */
    async legs(n: number) {
      const tickets: string[] = [];
      await run('mint (leg 1)', n, async () => {
        const res = await tokenRequest(issuer, 'support-console', mintFields(actor, bob));
        if (res.status === 200) tickets.push(res.body.access_token);
        return res.status;
      });
      await run('redeem (leg 2)', tickets.length, async (i) => (await tokenRequest(issuer, 'acme-app', redeemFields(tickets[i]!))).status);
    },
  };
  // Warm up (JIT, connection pools), then alternate the scenarios in rounds, so that a
  // neighbour's load on this shared machine weighs on all of them alike.
  await scenarios.clientCredentials(200);
  await scenarios.legs(200);
  tallies.clear();
  const perRound = Math.ceil(REQUESTS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    await scenarios.clientCredentials(perRound);
    await scenarios.legs(perRound);
  }
  console.log(`token endpoint of one server process, ${perRound * ROUNDS} requests per scenario in ${ROUNDS} rounds, ${IN_FLIGHT} in flight, Redis store`);
  const baseline = report('client_credentials');
  const mint = report('mint (leg 1)');
  const redeem = report('redeem (leg 2)');
  console.log(`ratios to client_credentials: mint ${(mint / baseline).toFixed(2)}, redeem ${(redeem / baseline).toFixed(2)}`);
} finally {
  await store.close();
  await server.stop();
  await redis.stop();
}
