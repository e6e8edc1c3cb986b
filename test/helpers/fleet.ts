/**
 * One deployment of several Gatehouse instances for the fault suites: one in this process
 * (so a test can read the store and the audit log) and `spawned` more as real processes,
 * all with the same issuer, keys, prefix and config, on the Redis `redisEnv` names. The
 * admin alice is signed in with a passkey and stepped up: `actor` mints tickets for `bob`.
 */
import { configureExchange, userId } from '../exchange/setup.js';
import { SoftwareAuthenticator } from './authenticator.js';
import { signInConsole, stepUp } from './console.js';
import { enrollAdmin } from './enroll.js';
import { baseConfig, startGatehouse, type TestGatehouse, testKeys } from './gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from './gatehouse-process.js';

export interface Fleet {
  local: TestGatehouse;
  spawned: GatehouseProcess[];
  /** Every instance's own address (the local one first). */
  instances: string[];
  actor: string;
  bob: string;
  /** The environment and config the spawned processes (and the CLI) run with. */
  env: Record<string, string>;
  configPath: string;
  stop(): Promise<void>;
}

export async function startFleet(options: { redisEnv: Record<string, string>; spawned: number; prefix: string }): Promise<Fleet> {
  const configure = (raw: ReturnType<typeof baseConfig>) => {
    configureExchange(raw);
    raw.policy.rateLimits = { ticketsPerAdmin: { points: 1_000_000, duration: 60 } };
  };
  const local = await startGatehouse({ redisEnv: options.redisEnv, storePrefix: options.prefix, configure });
  local.gatehouse.services.logger.level = 'fatal';
  const raw = baseConfig();
  configure(raw);
  raw.storePrefix = options.prefix;
  for (const client of raw.clients) if (client.role === 'support-console') client.redirectUris = [`${local.issuer}/admin/callback`];
  // No demo tenant apps: they would all want the dev config's port 4000.
  const env = { ...options.redisEnv, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
  const configPath = writeConfig(raw);
  const spawned = await Promise.all(
    Array.from({ length: options.spawned }, () => spawnGatehouse({ configPath, env: { ...env, LOG_LEVEL: 'warn' }, issuer: local.issuer })),
  );
  const key = new SoftwareAuthenticator();
  const { agent } = await signInConsole(local.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
  await enrollAdmin(local, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }, key, 'key');
  const actor = (await stepUp(local.issuer, agent, key)).accessToken;
  const bob = await userId(local, 'acme', 'bob@acme.test');
  return {
    local,
    spawned,
    instances: [local.issuer, ...spawned.map((p) => `http://127.0.0.1:${p.port}`)],
    actor,
    bob,
    env,
    configPath,
    async stop() {
      await Promise.all(spawned.map((p) => p.stop()));
      await local.stop();
    },
  };
}
