/**
 * Sessions the CLI ends leave the tenant apps at once too (PROTOCOL §8): their
 * `impersonation.ended` events queue back-channel logouts on the durable queue in Redis, and a
 * running Gatehouse's worker signs and delivers them (the CLI holds no worker).
 */
import type { Logger } from 'pino';
import { type BackchannelLogout, createBackchannelLogout } from '../delivery/index.js';
import type { GatehouseConfig } from '../config/index.js';
import { findSession } from '../impersonation/sessions.js';
import type { Store } from '../store/types.js';
import type { TenancySync } from '../tenancy/index.js';

/** Queues only (never started): `notify` each appended event, `close` before the process exits. */
export function cliLogouts(config: GatehouseConfig, store: Store, logger: Logger, tenancy: TenancySync): BackchannelLogout {
  return createBackchannelLogout({
    queueConnection: config.redis,
    prefix: config.storePrefix,
    logger,
    // A client this command deleted still has its URI here: its deletion ended the session. A
    // store never configured has the clients the config file declares.
    logoutUriOf: (clientId) =>
      tenancy.view().version > 0
        ? tenancy.view().logoutClient(clientId)?.backchannelLogoutUri
        : config.declared.clients.find((c) => c.clientId === clientId)?.backchannelLogoutUri,
    anyLogoutUri: () =>
      tenancy.view().version > 0
        ? [...tenancy.view().records.clients.values()].some((c) => c.record.backchannelLogoutUri)
        : config.declared.clients.some((c) => c.backchannelLogoutUri),
    findSession: (sid) => findSession(store, sid),
    issue: () => Promise.reject(new Error('the CLI only queues logouts; a Gatehouse process delivers them')),
  });
}
