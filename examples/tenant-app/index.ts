/**
 * The demo tenant app: one process serving each tenant's site on its own origin, signing users
 * in through Gatehouse and taking part in support impersonation through `gatehouse/rp`.
 * See docs/demo-app.md.
 */
export { recheckFromEnv, type TenantAppLogger, type TenantAppOptions, type TenantSiteOptions } from './options.js';
export { startTenantApp, type TenantApp } from './start-tenant-app.js';
export { type GatehouseConfigLike, tenantsFromConfig } from './tenants-from-config.js';
