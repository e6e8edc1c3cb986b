/**
 * The CLI's context: the same env and config as the server (PROTOCOL §9: "it reads the same
 * env and config"), and the store opened only when an action asks for it.
 */
import type { Readable, Writable } from 'node:stream';
import { type Accounts, createAccounts } from '../accounts/index.js';
import { type GatehouseConfig, loadConfig } from '../config/index.js';
import { createStore, waitForReady } from '../store/index.js';
import type { Store } from '../store/types.js';
import { type CliContext, CliError } from './command.js';
import { readPassword } from './password-input.js';

export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/** A command fails fast rather than hanging when Redis is down. */
const STORE_READY_TIMEOUT_MS = 5_000;

export interface OwnedContext extends CliContext {
  /** Closes the store if one was opened. */
  close(): Promise<void>;
}

export function createContext(io: CliIO): OwnedContext {
  let config: GatehouseConfig | undefined;
  let opened: Promise<Store> | undefined;
  let accounts: Accounts | undefined;

  const getConfig = () => {
    config ??= loadConfig(io.env);
    return config;
  };

  async function openStore(): Promise<Store> {
    const cfg = getConfig();
    if (!cfg.redis) {
      throw new CliError(
        'no store configured: set REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES); the memory store would vanish when this command exits',
      );
    }
    const { store, redis } = createStore(cfg.redis, { prefix: cfg.storePrefix });
    try {
      if (redis) await waitForReady(redis, STORE_READY_TIMEOUT_MS);
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
    return store;
  }

  const getStore = () => {
    opened ??= openStore();
    return opened;
  };

  return {
    env: io.env,
    config: getConfig,
    store: getStore,
    async accounts() {
      const store = await getStore();
      accounts ??= createAccounts(store, { argon2: getConfig().policy.argon2 });
      return accounts;
    },
    readPassword: () => readPassword(io.stdin, io.stderr),
    out: (line) => io.stdout.write(`${line}\n`),
    note: (line) => io.stderr.write(`${line}\n`),
    async close() {
      const store = await opened?.catch(() => undefined);
      await store?.close();
    },
  };
}
