/**
 * `npm run bench:propagation [-- --rounds N] [-- --json FILE]`: how soon a change made
 * through the management API on one instance is enforced by another (PROTOCOL §11,
 * docs/manage-api.md: within a second; pub/sub carries it, the 250 ms version poll when a
 * message is lost). Two processes of one production deployment (bench/deployment.ts) on one
 * Redis, loopback only. test/tenancy/cross-process.test.ts checks that the other instance
 * follows; timing it is this file's job (the house rules keep timings out of tests).
 *
 * Each round changes something on A, takes the time A's answer arrived (the change is
 * committed by then), and asks B again and again, one request after the other, until B
 * answers the new way: the figure is an upper bound, one B request's latency over the truth.
 * A third instance, C, connects as a Redis user without pub/sub rights (an ACL with no
 * channels, Redis 7's default for a new user): its subscription is refused, so it hears of
 * every change by the version poll alone, the path a lost message takes.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { terminateTlsFor } from '../test/helpers/loopback-tls.js';
import { cli } from '../test/helpers/redis-node.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { api } from '../test/tenancy/setup.js';
import { basic, form, impersonationRequests, post } from './actor.js';
import { buildProduction } from './build.js';
import { type Deployment, type Instance, OPS_CLIENT, startDeployment } from './deployment.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string' }, json: { type: 'string' } } });
const ROUNDS = Number(args.rounds ?? 20);
/** The bound the documentation promises. */
const BOUND_MS = 1_000;
/** A round that B has not followed by then counts as a miss (and the run goes on). */
const GIVE_UP_MS = 5_000;

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

type Answer = { status: number; body: Record<string, string> };

/** Requests to instance B as the load balancer passes them on: the issuer's Host, TLS taken off. */
function via(instance: Instance, issuer: string) {
  const host = new URL(issuer).host;
  return async (path: string, authorization: string, fields: Record<string, string>): Promise<Answer> => {
    const res = await fetch(`${instance.plain}${path}`, {
      method: 'POST',
      headers: { host, 'x-forwarded-proto': 'https', authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: form(fields),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
}

/** The management API on instance A (through the issuer's origin); an answer that is not a success throws. */
function manage(dep: Deployment, token: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const answer = await api(dep.issuer, token, method, path, body, headers);
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return { etag: answer.headers.get('etag') ?? '', body: answer.body as Record<string, string> };
  };
}

/** Ms from `since` until `ask` answers as `followed` says, or Infinity after GIVE_UP_MS. */
async function until(since: number, ask: () => Promise<Answer>, followed: (a: Answer) => boolean): Promise<number> {
  for (;;) {
    const answer = await ask();
    const now = performance.now();
    if (followed(answer)) return now - since;
    if (now - since > GIVE_UP_MS) return Number.POSITIVE_INFINITY;
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'never');

async function main() {
  buildProduction(say);
  const redis = await startRedisServer();
  const dep = await startDeployment(redis.url);
  const tls = terminateTlsFor(dep.issuer);
  try {
    const b = await dep.startAnother();
    await cli(redis.port, 'ACL', 'SETUSER', 'bench-polling', 'on', '>bench-polling-pw', '~*', '+@all', 'resetchannels');
    const c = await dep.startAnother({ REDIS_URL: `redis://bench-polling:bench-polling-pw@127.0.0.1:${redis.port}` });
    say(`instances A (pid ${dep.pid}, ${dep.plain}), B (pid ${b.pid}, ${b.plain}), C polling only (pid ${c.pid}, ${c.plain}); one issuer ${dep.issuer}, Redis ${redis.url}`);
    const onB = via(b, dep.issuer);
    const onC = via(c, dep.issuer);
    const scope = 'manage:tenants manage:clients read:tenants read:clients';
    const opsToken = (await post(`${dep.issuer}/token`, basic(OPS_CLIENT, dep.secrets.ops), { grant_type: 'client_credentials', scope, resource: `${dep.issuer}/manage` })).access_token!;
    const onA = manage(dep, opsToken);
    const { mintFields, consoleAuth } = await impersonationRequests(dep);
    const mintOnB = () => onB('/token', consoleAuth, mintFields);
    if ((await mintOnB()).status !== 200) throw new Error('B does not mint before the changes');

    const created: number[] = [];
    const deleted: number[] = [];
    const toApproval: number[] = [];
    const toNone: number[] = [];
    const createdPolled: number[] = [];
    const deletedPolled: number[] = [];
    const delays: [string, number[]][] = [
      ['client created on A → B issues it a token', created],
      ['client deleted on A → B refuses it', deleted],
      ["tenant's consent → approval on A → B refuses a mint without an approved request", toApproval],
      ["tenant's consent → none on A → B mints again", toNone],
      ['client created on A → C (polling only) issues it a token', createdPolled],
      ['client deleted on A → C (polling only) refuses it', deletedPolled],
    ];
    say(`${ROUNDS} rounds of four changes on A, each followed on B (and the client's on C)`);
    for (let i = 0; i < ROUNDS; i++) {
      const clientId = `bench-propagation-${i}`;
      const made = await onA('POST', '/tenants/acme/clients', { clientId, grantTypes: ['client_credentials'] });
      const madeAt = performance.now();
      const auth = basic(clientId, made.body.clientSecret!);
      const credentials = (on: typeof onB) => () => on('/token', auth, { grant_type: 'client_credentials' });
      // B and C asked at once, each one request after the other.
      const [onBNow, onCNow] = await Promise.all([until(madeAt, credentials(onB), (a) => a.status === 200), until(madeAt, credentials(onC), (a) => a.status === 200)]);
      created.push(onBNow);
      createdPolled.push(onCNow);
      await onA('DELETE', `/tenants/acme/clients/${clientId}`);
      const deletedAt = performance.now();
      const [goneOnB, goneOnC] = await Promise.all([until(deletedAt, credentials(onB), (a) => a.status === 401), until(deletedAt, credentials(onC), (a) => a.status === 401)]);
      deleted.push(goneOnB);
      deletedPolled.push(goneOnC);

      const tenant = await onA('GET', '/tenants/acme');
      const approval = await onA('PATCH', '/tenants/acme', { consent: 'approval' }, { 'if-match': tenant.etag });
      toApproval.push(await until(performance.now(), mintOnB, (a) => a.status === 400 && /approved access request/.test(a.body.error_description ?? '')));
      await onA('PATCH', '/tenants/acme', { consent: 'none' }, { 'if-match': approval.etag });
      toNone.push(await until(performance.now(), mintOnB, (a) => a.status === 200));
    }

    const rows = delays.map(([change, all]) => {
      const sorted = [...all].sort((x, y) => x - y);
      return { change, rounds: all.length, medianMs: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), maxMs: sorted.at(-1)!, withinBound: all.filter((d) => d <= BOUND_MS).length };
    });
    const met = rows.every((r) => r.withinBound === r.rounds);
    const lines = [
      '',
      `A change through the management API on instance A, enforced by instances B and C (${ROUNDS} rounds; ms from A's answer to the first answer the new way, an upper bound)`,
      '',
      `| change | rounds | median ms | p95 ms | max ms | within ${BOUND_MS} ms |`,
      '|---|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.change} | ${r.rounds} | ${ms(r.medianMs)} | ${ms(r.p95Ms)} | ${ms(r.maxMs)} | ${r.withinBound}/${r.rounds} |`),
      '',
      `Target (issue 15, PROTOCOL §11): every change enforced by the other instances within ${BOUND_MS} ms: ${met ? 'met' : 'NOT MET'}`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, boundMs: BOUND_MS, rows, met }, null, 2)}\n`);
  } finally {
    tls.restore();
    await dep.stop();
    await redis.stop();
  }
}

await main();
