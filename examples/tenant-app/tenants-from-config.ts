/**
 * Builds the tenant list from a Gatehouse configuration: one site per tenant domain, with the
 * tenant's client. Takes the config as plain data (the JSON file, or the server's parsed config:
 * both fit the shape below), because an example imports nothing from the server but the RP kit.
 */
import type { TenantSiteOptions } from './options.js';

export interface GatehouseConfigLike {
  tenants: readonly {
    id: string;
    name: string;
    domains: readonly string[];
    redeemPath?: string;
    ticketDelivery?: 'form_post' | 'query';
  }[];
  clients: readonly { clientId: string; clientSecret?: string; role: string; tenant?: string }[];
}

/** `env:NAME` references (PROTOCOL.md §9) are resolved from `env`; the parsed config has them resolved already. */
function resolveSecret(value: string, env: NodeJS.ProcessEnv): string {
  if (!value.startsWith('env:')) return value;
  const resolved = env[value.slice(4)];
  if (!resolved) throw new TypeError(`tenant app: environment variable ${value.slice(4)} is not set`);
  return resolved;
}

/**
 * One {@link TenantSiteOptions} per domain of every tenant that has a confidential tenant client
 * (the first such client of the tenant). Tenants without one are skipped: nothing could sign in.
 *
 * @example
 * ```ts
 * const tenants = tenantsFromConfig(JSON.parse(readFileSync('config/gatehouse.dev.json', 'utf8')));
 * ```
 */
export function tenantsFromConfig(config: GatehouseConfigLike, env: NodeJS.ProcessEnv = process.env): TenantSiteOptions[] {
  const sites: TenantSiteOptions[] = [];
  for (const tenant of config.tenants) {
    const client = config.clients.find((c) => c.role === 'tenant' && c.tenant === tenant.id && c.clientSecret);
    if (!client?.clientSecret) continue;
    for (const origin of tenant.domains) {
      sites.push({
        id: tenant.id,
        name: tenant.name,
        origin,
        clientId: client.clientId,
        clientSecret: resolveSecret(client.clientSecret, env),
        ...(tenant.redeemPath ? { redeemPath: tenant.redeemPath } : {}),
        ...(tenant.ticketDelivery ? { ticketDelivery: tenant.ticketDelivery } : {}),
      });
    }
  }
  return sites;
}
