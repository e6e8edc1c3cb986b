/**
 * How a tenant's apps may name the support admin behind an impersonation (the token's and
 * introspection's `impersonation.actor_display`, shown in the tenant app's banner): the
 * tenant's `showAdminAs` decides between the admin's display name, their email, or only the
 * tenant's `supportTeamLabel`. Ids stay in `act.sub`; this is for people.
 */
import type { TenantConfig } from '../config/index.js';

export interface ActorNames {
  actorName?: string;
  actorEmail?: string;
}

export function actorDisplay(tenant: Pick<TenantConfig, 'showAdminAs' | 'supportTeamLabel'>, names: ActorNames): string {
  const label = tenant.supportTeamLabel;
  const personal = tenant.showAdminAs === 'name' ? names.actorName : tenant.showAdminAs === 'email' ? names.actorEmail : undefined;
  // A ticket minted before names were recorded has none: the team label is still true.
  return personal ? `${personal} (${label})` : label;
}
