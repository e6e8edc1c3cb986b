/**
 * A production-mode Gatehouse for the benchmark, provisioned the way an operator would:
 * a generated config with real secrets, keys from `gatehouse keys generate`, an admin and
 * a user from `gatehouse admin|user create`, the compiled server (`dist/`) under
 * NODE_ENV=production against a Redis of its own. Loopback only.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/helpers/ports.js';

export const ACME_ORIGIN = 'https://acme.bench.test';
export const ADMIN = { email: 'bench-admin@gatehouse.bench', password: randomBytes(12).toString('base64url') };
export const USER = { tenant: 'acme', email: 'bob@acme.bench', password: randomBytes(12).toString('base64url') };

export interface Deployment {
  /** https://localhost:<port>: what the issuer says (TLS is taken off in front of it). */
  issuer: string;
  /** http://localhost:<port>: where the process actually listens. */
  plain: string;
  pid: number;
  /** The user the admin impersonates. */
  userId: string;
  env: Record<string, string>;
  secrets: { console: string; acme: string; ops: string };
  logFile: string;
  /**
   * Another instance of the same deployment (same config, keys, Redis and issuer) on a port
   * of its own; `env` overrides its environment (another Redis user, say).
   */
  startAnother(env?: Record<string, string>): Promise<Instance>;
  stop(): Promise<void>;
}

export interface Instance {
  /** http://localhost:<port>: where it listens; requests carry the issuer's Host and X-Forwarded-Proto, as a load balancer's would. */
  plain: string;
  pid: number;
  stop(): Promise<void>;
}

/** The management API client's id (`secrets.ops`). */
export const OPS_CLIENT = 'bench-ops';

const secret = () => randomBytes(24).toString('base64url');

/** Runs the compiled CLI (`bin/gatehouse.js` picks dist/) with `stdin` as its input. */
function gatehouseCli(args: string[], env: Record<string, string>, stdin = ''): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile(process.execPath, [resolve('bin/gatehouse.js'), ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? fail(new Error(`gatehouse ${args.join(' ')}: ${stderr || err.message}`)) : done(stdout),
    );
    child.stdin!.end(stdin);
  });
}

export async function startDeployment(redisUrl: string): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const port = await freePort();
  const issuer = `https://localhost:${port}`;
  const secrets = { console: secret(), acme: secret(), ops: secret() };
  const config = {
    // The bench talks to the process directly, as a TLS-terminating proxy one hop in front would.
    trustProxy: 1,
    storePrefix: 'bench',
    cookieKeys: [secret()],
    tenants: [{ id: 'acme', name: 'Acme', domains: [ACME_ORIGIN] }],
    clients: [
      {
        clientId: 'support-console',
        clientSecret: secrets.console,
        role: 'support-console',
        redirectUris: [`${issuer}/admin/callback`],
        postLogoutRedirectUris: [`${issuer}/admin`],
        grantTypes: ['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange'],
        scope: 'openid profile email',
      },
      {
        clientId: 'acme-app',
        clientSecret: secrets.acme,
        role: 'tenant',
        tenant: 'acme',
        redirectUris: [`${ACME_ORIGIN}/callback`],
        grantTypes: ['authorization_code', 'client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      },
      {
        clientId: OPS_CLIENT,
        clientSecret: secrets.ops,
        role: 'management',
        grantTypes: ['client_credentials'],
        scope: 'manage:tenants manage:clients read:tenants read:clients',
      },
    ],
    roles: [{ name: 'support', tenants: '*' }],
    // Production requires the checkpoint memory a Redis rollback cannot reach (docs/audit.md).
    audit: { stateDir: join(dir, 'audit-state') },
    policy: {
      // Tickets stay outstanding for the whole run; the admin's one step-up covers it.
      ticketTtl: 300,
      stepUpMaxAge: 3600,
      accessTokenTtl: 3600,
      rateLimits: { ticketsPerAdmin: { points: 100_000_000, duration: 60 } },
    },
  };
  mkdirSync(config.audit.stateDir);
  const configPath = join(dir, 'gatehouse.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const keysPath = join(dir, 'jwks.json');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    GATEHOUSE_CONFIG: configPath,
    GATEHOUSE_KEYS: keysPath,
    GATEHOUSE_ISSUER: issuer,
    // The console reaches the token endpoint at the instance's own address.
    GATEHOUSE_INTERNAL_URL: `http://localhost:${port}`,
    REDIS_URL: redisUrl,
    PORT: String(port),
  };
  await gatehouseCli(['keys', 'generate', '--out', keysPath], env);
  await gatehouseCli(['admin', 'create', '--email', ADMIN.email, '--name', 'Bench Admin', '--roles', 'support'], env, `${ADMIN.password}\n`);
  const created = await gatehouseCli(['user', 'create', '--tenant', USER.tenant, '--email', USER.email, '--name', 'Bob Bench'], env, `${USER.password}\n`);
  const userId = /\((usr_[^)]+)\)/.exec(created)?.[1];
  if (!userId) throw new Error(`no user id in: ${created}`);

  const first = await startInstance(env, join(dir, 'server.log'));
  const others: Instance[] = [];
  return {
    issuer,
    plain: `http://localhost:${port}`,
    pid: first.pid,
    userId,
    env,
    secrets,
    logFile: join(dir, 'server.log'),
    async startAnother(overrides = {}) {
      const another = await freePort();
      const instance = await startInstance({ ...env, PORT: String(another), GATEHOUSE_INTERNAL_URL: `http://localhost:${another}`, ...overrides }, join(dir, `server-${another}.log`));
      others.push(instance);
      return instance;
    },
    async stop() {
      for (const instance of [...others, first]) await instance.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The compiled server with `env`, its output in `logFile`; resolves once /readyz answers. */
async function startInstance(env: Record<string, string>, logFile: string): Promise<Instance> {
  const port = Number(env.PORT);
  const log = openSync(logFile, 'a');
  // BENCH_NODE_ARGS: extra node flags for the server only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The production command line and memory settings, as the Dockerfile has them (src/heap.ts; test/docker.test.ts).
  const child: ChildProcess = spawn(process.execPath, ['--max-semi-space-size=8', ...nodeArgs, resolve('dist/src/server.js')], { env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2', ...env }, stdio: ['ignore', log, log] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gatehouse exited (${child.exitCode}); see ${logFile}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`gatehouse did not become ready; see ${logFile}`);
    await sleep(200);
  }
  return {
    plain: `http://localhost:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}
