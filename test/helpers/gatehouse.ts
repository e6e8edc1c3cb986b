/**
 * Starts a real Gatehouse (the same createApp the server uses) on a free port, against a
 * real redis-server or the memory store, with the dev config plus test overrides.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { seedAccounts } from '../../src/accounts/index.js';
import { createApp, type GatehouseApp } from '../../src/app.js';
import { DEFAULT_CONFIG_PATH, DEV_ISSUER, followDevPorts, parseConfig, type GatehouseConfig } from '../../src/config/index.js';
import { generateJwks } from '../../src/keys/index.js';
import { createLogger } from '../../src/log.js';
import { freePort, TENANT_PORT } from './ports.js';
import { LogCapture } from './log-capture.js';

export interface TestGatehouse {
  issuer: string;
  port: number;
  config: GatehouseConfig;
  gatehouse: GatehouseApp;
  logs: LogCapture;
  stop(): Promise<void>;
}

let sharedKeys: string | undefined;
/** One private JWKS per test run, shared by every instance (as a deployment's instances share keys). */
export async function testKeys(): Promise<string> {
  sharedKeys ??= JSON.stringify(await generateJwks());
  return sharedKeys;
}

/**
 * The dev config as a plain object, with test-friendly argon2 parameters and its tenant
 * URLs (domains, tenant clients' URIs) moved from the dev port 4000 to the port this test
 * process holds (TENANT_PORT): tenant domains become `tenantOrigin(id)`. The console's URIs
 * keep the dev config's issuer, which the server under test replaces with its own
 * (followDevPorts, as `npm start` does).
 */
export function baseConfig(): Record<string, any> {
  const raw = followDevPorts(JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')), DEV_ISSUER, TENANT_PORT);
  raw.policy = { ...(raw.policy ?? {}), argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } };
  return raw;
}

/** The config's tenant origins (domains and tenant clients' URIs) moved to `port`, where a test runs the demo app. */
export function tenantsOn<T>(raw: T, port: number): T {
  return JSON.parse(JSON.stringify(raw).replaceAll(`.localhost:${TENANT_PORT}`, `.localhost:${port}`));
}

export interface StartOptions {
  redisUrl?: string | null;
  /** The Redis environment (REDIS_URL, REDIS_SENTINELS…, REDIS_CLUSTER_NODES) of a TestRedis; wins over redisUrl. */
  redisEnv?: Record<string, string>;
  /** Mutates the raw config before validation. */
  configure?: (raw: Record<string, any>) => void;
  port?: number;
  storePrefix?: string;
}

export async function startGatehouse(options: StartOptions = {}): Promise<TestGatehouse> {
  const port = options.port ?? (await freePort());
  const issuer = `http://localhost:${port}`;
  const raw = baseConfig();
  raw.storePrefix = options.storePrefix ?? `t${process.pid}x${port}`;
  // The console's callback lives on the issuer itself.
  for (const c of raw.clients) {
    if (c.role === 'support-console') {
      c.redirectUris = [`${issuer}/admin/callback`];
      c.postLogoutRedirectUris = [`${issuer}/admin`];
    }
  }
  options.configure?.(raw);
  const env: NodeJS.ProcessEnv = {
    PORT: String(port),
    GATEHOUSE_ISSUER: issuer,
    GATEHOUSE_KEYS: await testKeys(),
    ...(options.redisEnv ?? (options.redisUrl ? { REDIS_URL: options.redisUrl } : {})),
  };
  const config = parseConfig(raw, env, resolve('test-config'));
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const gatehouse = await createApp(config, { logger });
  if (config.seed) await seedAccounts(gatehouse.services.accounts, config.seed);
  const server: Server = gatehouse.app.listen(port, '127.0.0.1');
  await new Promise<void>((res) => server.once('listening', res));
  return {
    issuer,
    port,
    config,
    gatehouse,
    logs,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
      await gatehouse.close();
    },
  };
}
