/**
 * Load benchmark: the token endpoint on one Gatehouse over a real redis-server, loopback
 * only, bounded in count. Prints throughput and the ratio of each impersonation leg to a
 * plain client-credentials grant measured in the same run (ratios, not absolute numbers,
 * are what compare across these shared, noisy machines).
 *
 *   npm run bench            # 2,000 requests per scenario, 25 in flight
 */
import { SoftwareAuthenticator } from '../test/helpers/authenticator.js';
import { signInConsole, stepUp } from '../test/helpers/console.js';
import { givePasskey } from '../test/helpers/enroll.js';
import { mintFields, redeemFields, startExchangeGatehouse, tokenRequest, userId } from '../test/exchange/setup.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 25);

async function measure(name: string, count: number, one: (i: number) => Promise<number>) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        if ((await one(i)) !== 200) failures++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  const rps = count / seconds;
  console.log(`${name.padEnd(22)} ${rps.toFixed(0).padStart(6)} req/s  p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  failures ${failures}`);
  return rps;
}

const redis = await startRedisServer();
const gh = await startExchangeGatehouse({
  redisUrl: redis.url,
  configure: (raw) => {
    raw.policy.rateLimits = { ticketsPerAdmin: { points: 1_000_000, duration: 60 } };
  },
});
gh.gatehouse.services.logger.level = 'warn';
try {
  const key = new SoftwareAuthenticator();
  await givePasskey(gh, 'admin', 'alice@gatehouse.test', key, 'bench');
  const { agent } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
  const actor = (await stepUp(gh.issuer, agent, key)).accessToken;
  const bob = await userId(gh, 'acme', 'bob@acme.test');

  console.log(`token endpoint, ${REQUESTS} requests per scenario, ${IN_FLIGHT} in flight, Redis store`);
  const baseline = await measure('client_credentials', REQUESTS, async () =>
    (await tokenRequest(gh.issuer, 'acme-app', { grant_type: 'client_credentials' })).status,
  );
  const tickets: string[] = [];
  const mint = await measure('mint (leg 1)', REQUESTS, async () => {
    const res = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, bob));
    if (res.status === 200) tickets.push(res.body.access_token);
    return res.status;
  });
  const tokens: string[] = [];
  const redeem = await measure('redeem (leg 2)', tickets.length, async (i) => {
    const res = await tokenRequest(gh.issuer, 'acme-app', redeemFields(tickets[i]!));
    if (res.status === 200) tokens.push(res.body.access_token);
    return res.status;
  });
  const acme = `Basic ${Buffer.from('acme-app:dev-acme-secret').toString('base64')}`;
  const introspect = await measure('introspection', tokens.length, async (i) => {
    const res = await fetch(`${gh.issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: acme, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens[i]! }),
    });
    return ((await res.json()) as { active?: boolean }).active ? res.status : 500;
  });
  const ratio = (rps: number) => (rps / baseline).toFixed(2);
  console.log(`ratios to client_credentials: mint ${ratio(mint)}, redeem ${ratio(redeem)}, introspection ${ratio(introspect)}`);
} finally {
  await gh.stop();
  await redis.stop();
}
