import type { Admin } from '../accounts/types.js';
import type { GatehouseConfig } from '../config/index.js';
import { coversTenant, holdsImpersonationRight as holds, rolesOf } from '../impersonation/policy.js';

/**
 * Whether an admin may impersonate anyone: one of their roles covers at least one tenant
 * (PROTOCOL §5). Such an admin needs a passkey, since every impersonation starts with a
 * passkey step-up.
 */
export function holdsImpersonationRight(config: GatehouseConfig, admin: Pick<Admin, 'roles'>): boolean {
  return holds(admin.roles, config.roles, config.tenants.length);
}

/** Whether one of the admin's roles may manage admins (`manageAdmins`, PROTOCOL §10.1). */
export function mayManageAdmins(config: GatehouseConfig, admin: Pick<Admin, 'roles'>): boolean {
  return rolesOf(admin.roles, config.roles).some((r) => r.manageAdmins);
}

/** Whether one of the admin's roles may disable and enable users of this tenant (`manageUsers`, covering it). */
export function mayManageUsersOf(config: GatehouseConfig, admin: Pick<Admin, 'roles'>, tenantId: string): boolean {
  return rolesOf(admin.roles, config.roles).some((r) => r.manageUsers && coversTenant(r, tenantId));
}
