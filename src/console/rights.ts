import type { Admin } from '../accounts/types.js';
import { coversTenant, holdsImpersonationRight as holds, rolesOf } from '../impersonation/policy.js';
import type { TenancyView } from '../tenancy/index.js';

/** What the rights below read: the runtime view's roles and tenants (`services.tenancy.view()`). */
type Rights = Pick<TenancyView, 'roles' | 'tenants'>;

/**
 * Whether an admin may impersonate anyone: one of their roles covers at least one tenant
 * (PROTOCOL §5). Such an admin needs a passkey, since every impersonation starts with a
 * passkey step-up.
 */
export function holdsImpersonationRight(view: Rights, admin: Pick<Admin, 'roles'>): boolean {
  return holds(admin.roles, view.roles, view.tenants.length);
}

/** Whether one of the admin's roles may manage admins (`manageAdmins`, PROTOCOL §10.1). */
export function mayManageAdmins(view: Rights, admin: Pick<Admin, 'roles'>): boolean {
  return rolesOf(admin.roles, view.roles).some((r) => r.manageAdmins);
}

/** Whether one of the admin's roles may disable and enable users of this tenant (`manageUsers`, covering it). */
export function mayManageUsersOf(view: Rights, admin: Pick<Admin, 'roles'>, tenantId: string): boolean {
  return rolesOf(admin.roles, view.roles).some((r) => r.manageUsers && coversTenant(r, tenantId));
}
