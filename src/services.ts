/**
 * The services one Gatehouse process is built from, assembled once in app.ts and handed
 * to route factories. Nothing here is global: tests build as many as they need.
 */
import type Provider from 'oidc-provider';
import type { Accounts } from './accounts/index.js';
import type { GatehouseConfig } from './config/index.js';
import type { Logger } from './log.js';
import type { Limiter } from './store/rate-limit.js';
import type { RedisClient, Store } from './store/index.js';

export interface Services {
  config: GatehouseConfig;
  store: Store;
  redis: RedisClient | null;
  logger: Logger;
  provider: Provider;
  accounts: Accounts;
  limiters: {
    loginPerAccount: Limiter;
    loginPerIp: Limiter;
  };
}
