/**
 * The CLI's context: the same env and config as the server (PROTOCOL §9: "it reads the same
 * env and config"), and the store opened only when an action asks for it.
 */
import type { Readable, Writable } from 'node:stream';
import { type Accounts, createAccounts } from '../accounts/index.js';
import { type AuditLog, createAuditLog } from '../audit/index.js';
import { type BackchannelLogout, createNotifier, type Notifier } from '../delivery/index.js';
import { createLogger } from '../log.js';
import { type GatehouseConfig, loadConfig } from '../config/index.js';
import { createStore, waitForReady } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createDomainVerifier, createTenancy, createTenancySync, type Tenancy, type TenancySync } from '../tenancy/index.js';
import { cliLogouts } from './backchannel.js';
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
  let audit: { log: AuditLog; notifier: Notifier; logouts: BackchannelLogout; queued: Promise<void>[] } | undefined;
  let sync: TenancySync | undefined;
  let tenancy: Tenancy | undefined;

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
    const { store, redis } = createStore(cfg.redis, {
      prefix: cfg.storePrefix,
      replicas: { replicaAcks: cfg.store.replicaAcks, timeoutMs: cfg.store.replicaTimeoutMs },
    });
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

  /** The runtime configuration, read once per command (one command is one moment). */
  async function getSync(): Promise<TenancySync> {
    const store = await getStore();
    sync ??= createTenancySync(store, { pollMs: getConfig().tenancy.pollMs });
    await sync.refresh();
    return sync;
  }

  return {
    env: io.env,
    config: getConfig,
    store: getStore,
    async accounts() {
      const store = await getStore();
      accounts ??= createAccounts(store, { argon2: getConfig().policy.argon2 });
      return accounts;
    },
    async audit() {
      const store = await getStore();
      if (!audit) {
        const cfg = getConfig();
        // Only queued here (no worker): the servers' workers deliver, with retries (PROTOCOL §6).
        const logger = createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, io.stderr);
        const notifier = createNotifier({ webhooks: cfg.webhooks, queueConnection: cfg.redis, logger, prefix: cfg.storePrefix });
        // Sessions this command ends get their back-channel logouts queued the same way (PROTOCOL §8).
        const logouts = cliLogouts(cfg, store, logger, await getSync());
        const queued: Promise<void>[] = [];
        const onAppended = (event: Parameters<Notifier['notify']>[0]) => {
          const done = Promise.all([notifier.notify(event), logouts.notify(event)]).then(() => undefined);
          queued.push(done);
          return done;
        };
        audit = { log: createAuditLog(store, { logger, onAppended }), notifier, logouts, queued };
      }
      return audit.log;
    },
    async view(options = {}) {
      if (options.seed !== false) await this.tenancy();
      return (await getSync()).view();
    },
    async tenancy(options = {}) {
      if (!tenancy) {
        const cfg = getConfig();
        const verification = cfg.tenancy.domainVerification;
        tenancy = createTenancy({
          store: await getStore(),
          audit: await this.audit(),
          sync: await getSync(),
          accounts: await this.accounts(),
          verifier: createDomainVerifier({
            timeoutMs: verification.timeoutMs,
            allowPrivateAddresses: verification.allowPrivateAddresses ?? !cfg.production,
            ...(verification.dnsServers ? { dnsServers: verification.dnsServers } : {}),
          }),
        });
      }
      // A store that never held configuration gets the config file's, as a server's first start would.
      if (options.seed !== false && (await getSync()).view().version === 0) await tenancy.bootstrap(getConfig().declared);
      return tenancy;
    },
    readPassword: () => readPassword(io.stdin, io.stderr),
    out: (line) => io.stdout.write(`${line}\n`),
    note: (line) => io.stderr.write(`${line}\n`),
    async close() {
      // The command's events are queued for their webhooks before the process exits.
      await Promise.all(audit?.queued ?? []);
      await audit?.notifier.close();
      await audit?.logouts.close();
      const store = await opened?.catch(() => undefined);
      await store?.close();
    },
  };
}
