/**
 * Checks of command-line values against the config, so a typo is refused with the list of
 * what exists instead of creating an account that no policy covers.
 */
import type { Admins, Page, Users } from '../accounts/index.js';
import type { TenancyView } from '../tenancy/index.js';
import { CliError, UsageError } from './command.js';

export function assertTenant(view: TenancyView, tenant: string): string {
  if (!view.tenantIds.includes(tenant)) {
    const known = view.tenantIds.join(', ') || 'none';
    throw new CliError(`unknown tenant "${tenant}" (configured tenants: ${known})`);
  }
  return tenant;
}

/** `--roles a,b`: every name must be a role in the config (PROTOCOL §5). */
export function parseRoles(view: TenancyView, value: string | undefined): string[] {
  if (value === undefined) return [];
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (roles.length === 0) throw new UsageError('--roles needs at least one role name');
  const known = view.roles.map((r) => r.name);
  const unknown = roles.find((r) => !known.includes(r));
  if (unknown !== undefined) {
    throw new CliError(`unknown role "${unknown}" (configured roles: ${known.join(', ') || 'none'})`);
  }
  return roles;
}

export async function adminByEmail(admins: Admins, email: string) {
  const admin = await admins.findByEmail(email);
  if (!admin) throw new CliError(`no admin with email ${email.trim().toLowerCase()}`);
  return admin;
}

export async function userByEmail(users: Users, tenant: string, email: string) {
  const user = await users.findByEmail(tenant, email);
  if (!user) throw new CliError(`no user with email ${email.trim().toLowerCase()} in tenant ${tenant}`);
  return user;
}

/** Every item of a paged listing, a page at a time. */
export async function collectAll<T>(page: (offset: number) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const { items: batch, total } = await page(items.length);
    items.push(...batch);
    if (batch.length === 0 || items.length >= total) return items;
  }
}
