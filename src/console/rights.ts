import type { Admin } from '../accounts/types.js';
import type { GatehouseConfig } from '../config/index.js';
import { holdsImpersonationRight as holds } from '../impersonation/policy.js';

/**
 * Whether an admin may impersonate anyone: one of their roles covers at least one tenant
 * (PROTOCOL §5). Such an admin needs a passkey, since every impersonation starts with a
 * passkey step-up.
 */
export function holdsImpersonationRight(config: GatehouseConfig, admin: Pick<Admin, 'roles'>): boolean {
  return holds(admin.roles, config.roles, config.tenants.length);
}
