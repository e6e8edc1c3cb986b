/**
 * Runs Gatehouse as a real separate process (`src/server.ts` under tsx), as a deployment
 * runs several stateless instances against one Redis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { baseConfig } from './gatehouse.js';
import { freePort } from './ports.js';

export interface GatehouseProcess {
  issuer: string;
  port: number;
  pid: number;
  output: () => string;
  /** SIGTERM, then the exit code once it exited (a graceful shutdown exits 0). */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash: no graceful shutdown. */
  kill(): Promise<void>;
}

export function writeConfig(raw: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(raw));
  return path;
}

/**
 * Starts src/server.ts. Without `demoApp` the demo tenant app stays off: the test config's
 * tenants are on the port this test process holds (TENANT_PORT); a test that wants the demo
 * app moves them to a port of its own first (`tenantsOn`).
 */
export async function spawnGatehouse(options: { configPath: string; env: Record<string, string>; issuer?: string; port?: number; demoApp?: boolean }): Promise<GatehouseProcess> {
  const port = options.port ?? (await freePort());
  const issuer = options.issuer ?? `http://localhost:${port}`;
  let output = '';
  const demo = options.demoApp ? {} : { GATEHOUSE_DEMO_APP: 'off' };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve('src/server.ts')], {
    env: { ...process.env, ...demo, ...options.env, PORT: String(port), GATEHOUSE_ISSUER: issuer, GATEHOUSE_CONFIG: options.configPath, LOG_LEVEL: options.env.LOG_LEVEL ?? 'info', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gatehouse exited: ${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gatehouse did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    issuer,
    port,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * Two instances of one deployment on one issuer (the first listens on the issuer's port,
 * the second on its own), with the console's callback on that issuer, as behind a balancer.
 */
export async function spawnPair(raw: ReturnType<typeof baseConfig>, env: Record<string, string>) {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  for (const c of raw.clients) if (c.role === 'support-console') c.redirectUris = [`${issuer}/admin/callback`];
  const configPath = writeConfig(raw);
  const one = await spawnGatehouse({ configPath, env, port });
  const two = await spawnGatehouse({ configPath, env, issuer });
  return { one, two, issuer, configPath };
}
