/**
 * Who may impersonate whom, for how long, with what (PROTOCOL §5). Pure functions over
 * configuration and accounts: no framework, no I/O.
 */
import type { RoleConfig, TenantConfig } from '../config/schema.js';
import { checkFreeText, REASON_RULE } from '../text/free-text.js';
import { ImpersonationError } from './reasons.js';

export interface MintRequestInput {
  reason: string | undefined;
  /** An approved access request will supply the reason (PROTOCOL §5): it may be left out. */
  reasonFromApproval?: boolean;
  duration: string | undefined;
  scope: string | undefined;
  audience: string[];
}

export interface Grantable {
  reason: string;
  duration: number;
  scope: string[];
  audience: string;
}

/** Roles of the admin that exist in config. */
export function rolesOf(adminRoles: readonly string[], roles: readonly RoleConfig[]): RoleConfig[] {
  return roles.filter((r) => adminRoles.includes(r.name));
}

export function coversTenant(role: RoleConfig, tenantId: string): boolean {
  return role.tenants === '*' || role.tenants.includes(tenantId);
}

/** An admin "holds the impersonation right" when any role covers any tenant. */
export function holdsImpersonationRight(adminRoles: readonly string[], roles: readonly RoleConfig[], tenantCount: number): boolean {
  return rolesOf(adminRoles, roles).some((r) => (r.tenants === '*' ? tenantCount > 0 : r.tenants.length > 0));
}

/** Which tenant an origin is a domain of, and whether that domain is verified (the runtime view). */
export interface AudienceIndex {
  domainOf(origin: string): { tenant: TenantConfig; verified: boolean } | undefined;
}

/**
 * The tenant a mint is for, from its audience alone (RFC 8693 §2.1: one target), so the
 * admin's coverage can be decided before anything about the user (PROTOCOL §4). A domain
 * still pending its owner's proof is no audience yet (PROTOCOL §11): the caller refuses it
 * as `audience_unverified`, but only after coverage, so an admin learns nothing about the
 * domains of tenants they do not cover.
 */
export function audienceTarget(audience: string[], index: AudienceIndex): { tenant: TenantConfig; verified: boolean } {
  if (audience.length === 0) throw new ImpersonationError('audience_missing');
  const domain = audience.length === 1 ? index.domainOf(audience[0]!) : undefined;
  if (!domain) throw new ImpersonationError('audience_invalid');
  return domain;
}

/** Roles → tenant coverage (PROTOCOL §4 invalid_target row). */
export function assertCoversTenant(adminRoles: readonly string[], roles: readonly RoleConfig[], tenantId: string) {
  if (!rolesOf(adminRoles, roles).some((r) => coversTenant(r, tenantId))) throw new ImpersonationError('tenant_not_covered');
}

/** Roles → tenant coverage and the `sensitive` rule (PROTOCOL §4 invalid_target rows). */
export function assertMayImpersonate(adminRoles: readonly string[], roles: readonly RoleConfig[], tenantId: string, sensitive: boolean) {
  assertCoversTenant(adminRoles, roles, tenantId);
  const covering = rolesOf(adminRoles, roles).filter((r) => coversTenant(r, tenantId));
  if (sensitive && !covering.some((r) => r.sensitive)) throw new ImpersonationError('sensitive_user');
}

/** `assertMayImpersonate` as a yes or no, for re-checks after the mint (PROTOCOL §10.2). */
export function mayImpersonate(adminRoles: readonly string[], roles: readonly RoleConfig[], tenantId: string, sensitive: boolean): boolean {
  const covering = rolesOf(adminRoles, roles).filter((r) => coversTenant(r, tenantId));
  return covering.length > 0 && (!sensitive || covering.some((r) => r.sensitive));
}

/** `mayImpersonate` bound to the configured roles: the `covers` of live-session checks. */
export const coverageOf = (roles: readonly RoleConfig[]) => (adminRoles: string[], tenantId: string, sensitive: boolean) =>
  mayImpersonate(adminRoles, roles, tenantId, sensitive);

/** Reason, duration, scope and audience, checked against the tenant's policy. */
export function checkMintRequest(input: MintRequestInput, tenant: TenantConfig): Grantable {
  let reason = '';
  if (input.reason !== undefined || !input.reasonFromApproval) {
    const checked = checkFreeText(input.reason, REASON_RULE);
    if (!checked.ok) throw new ImpersonationError('reason_invalid', { detail: checked.message });
    reason = checked.text;
  }

  let duration = tenant.impersonation.defaultSeconds;
  if (input.duration !== undefined) {
    if (!/^\d{1,6}$/.test(input.duration)) throw new ImpersonationError('duration_invalid');
    duration = Number(input.duration);
    if (duration < 60 || duration > tenant.impersonation.maxSeconds) {
      throw new ImpersonationError('duration_invalid', {
        detail: `duration must be between 60 and ${tenant.impersonation.maxSeconds} seconds`,
      });
    }
  }

  const allowed = tenant.impersonation.scopes;
  const scope = input.scope === undefined ? [...allowed] : [...new Set(input.scope.split(' ').filter(Boolean))];
  if (scope.length === 0 || scope.some((s) => !allowed.includes(s))) throw new ImpersonationError('scope_invalid');

  if (input.audience.length === 0) throw new ImpersonationError('audience_missing');
  // RFC 8693 §2.1: one target; several would make the ticket valid on more than one domain.
  if (input.audience.length > 1 || !tenant.domains.includes(input.audience[0]!)) {
    throw new ImpersonationError('audience_invalid');
  }
  return { reason, duration, scope, audience: input.audience[0]! };
}
