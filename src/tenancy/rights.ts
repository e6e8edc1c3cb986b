/**
 * Who may change runtime configuration, decided in one place for the API, the CLI and the
 * console alike (PROTOCOL §11), and how the audit log names them.
 */
import type { AuditEventInput } from '../audit/events.js';
import type { RoleConfig } from '../config/schema.js';
import { rolesOf } from '../impersonation/policy.js';
import { TenancyError } from './errors.js';
import type { Actor, Right } from './types.js';

/** Whether an admin's roles allow managing tenants from the console (`manageTenants`). */
export function mayManageTenants(adminRoles: readonly string[], roles: readonly RoleConfig[]): boolean {
  return rolesOf([...adminRoles], [...roles]).some((r) => r.manageTenants);
}

/**
 * A management client needs the right's scope (`manage:x` includes `read:x`); an admin needs
 * a role with `manageTenants` (which grants every right); the CLI and the config file may
 * do anything (they hold the store's credentials already).
 */
export function assertRight(actor: Actor, right: Right, roles: readonly RoleConfig[]): void {
  if (actor.kind === 'cli' || actor.kind === 'startup') return;
  if (actor.kind === 'admin') {
    if (!mayManageTenants(actor.roles, roles)) throw new TenancyError('forbidden', 'your roles do not allow managing tenants (manageTenants)');
    return;
  }
  const [verb, kind] = right.split(':');
  if (actor.scopes.has(right) || (verb === 'read' && actor.scopes.has(`manage:${kind}`))) return;
  throw new TenancyError('insufficient_scope', `this needs the ${right} scope`);
}

/** `by` and `via` as every configuration event records them, plus the event's own actor field. */
export function auditedActor(actor: Actor): Pick<AuditEventInput, 'admin' | 'client' | 'requestId' | 'ip' | 'userAgent'> & { details: { by: string; via: string } } {
  const facts = actor.facts ?? {};
  switch (actor.kind) {
    case 'admin':
      return { ...facts, admin: actor.adminId, details: { by: actor.adminId, via: 'console' } };
    case 'client':
      return { ...facts, client: actor.clientId, details: { by: actor.clientId, via: 'manage-api' } };
    case 'cli':
      return { ...facts, details: { by: 'cli', via: actor.via ?? 'cli' } };
    case 'startup':
      return { ...facts, details: { by: 'config', via: 'startup' } };
  }
}
