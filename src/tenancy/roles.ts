/**
 * Admin roles at runtime (PROTOCOL §5, §11): which tenants a role covers and what else it
 * allows. A role that stops covering a tenant ends the live sessions it no longer allows, as
 * taking a role from an admin does (PROTOCOL §10.2).
 */
import { type RoleConfig, roleSchema } from '../config/schema.js';
import { checkIfMatch, mutate } from './commit.js';
import { endUncoveredSessions, roleNarrowed } from './consequences.js';
import { changedFields, configEvent, listDetail, type TenancyContext } from './context.js';
import { TenancyError } from './errors.js';
import { parseInput, roleInputSchema } from './input.js';
import { assertRight } from './rights.js';
import type { Actor, RoleRecord, Versioned } from './types.js';
import type { TenancyView } from './view.js';

function roleIn(view: TenancyView, name: string): Versioned<RoleRecord> {
  const found = view.records.roles.get(name);
  if (!found) throw new TenancyError('not_found', `no role "${name}"`);
  return found;
}

const describeRole = (r: RoleConfig) => ({
  role: r.name,
  ...(r.tenants === '*' ? { tenants: '*' } : { tenants: listDetail(r.tenants), tenantCount: r.tenants.length }),
  sensitive: r.sensitive,
  manageAdmins: r.manageAdmins,
  manageUsers: r.manageUsers,
  manageTenants: r.manageTenants,
});

export async function listRoles(ctx: TenancyContext, actor: Actor): Promise<Versioned<RoleRecord>[]> {
  assertRight(actor, 'read:roles', ctx.sync.view().roles);
  return [...(await ctx.sync.refresh()).records.roles.values()].sort((a, b) => (a.record.name < b.record.name ? -1 : 1));
}

export async function getRole(ctx: TenancyContext, actor: Actor, name: string): Promise<Versioned<RoleRecord>> {
  assertRight(actor, 'read:roles', ctx.sync.view().roles);
  return roleIn(await ctx.sync.refresh(), name);
}

/**
 * Creates (`create`: it must not exist) or replaces (`ifMatch`: it must be at that revision)
 * a role. Every tenant it names must exist.
 */
export async function putRole(ctx: TenancyContext, actor: Actor, name: string, input: unknown, condition: { create: true } | { ifMatch: number }) {
  assertRight(actor, 'manage:roles', ctx.sync.view().roles);
  const body = parseInput(roleInputSchema, input);
  const role = parseInput(roleSchema, { ...body, name });
  const match = 'ifMatch' in condition ? { kind: 'role' as const, id: name, rev: condition.ifMatch } : undefined;
  let narrowed = false;
  const result = await mutate(
    ctx,
    (view) => {
      const existing = view.records.roles.get(name);
      narrowed = roleNarrowed(existing?.record, role);
      if ('create' in condition && existing) throw new TenancyError('role_exists', `a role "${name}" exists`);
      if (match) checkIfMatch(view, match);
      const unknown = role.tenants === '*' ? [] : role.tenants.filter((t) => !view.records.tenants.has(t));
      if (unknown.length) throw new TenancyError('unknown_tenant', `no tenant ${unknown.map((t) => `"${t}"`).join(', ')}`, unknown.map((t) => ({ path: 'tenants', message: `no tenant "${t}"` })));
      if (existing && changedFields(existing.record, role).length === 0) return { noop: true, records: [], events: [], result: () => existing };
      return {
        records: [{ kind: 'role', id: name, rev: existing?.rev ?? null, before: existing?.record ?? null, after: role }],
        events: [configEvent(existing ? 'tenancy.role_updated' : 'tenancy.role_created', actor, describeRole(role))],
        result: (version) => ({ rev: version, record: role as RoleRecord }),
      };
    },
    match ? { ifMatch: match } : {},
  );
  const sessionsEnded = await endUncoveredSessions(ctx, name, ctx.sync.view().roles, ctx.sync.view().tenantIds, actor, narrowed);
  return { role: result, sessionsEnded };
}

export async function deleteRole(ctx: TenancyContext, actor: Actor, name: string, ifMatch?: number) {
  assertRight(actor, 'manage:roles', ctx.sync.view().roles);
  const match = ifMatch === undefined ? undefined : { kind: 'role' as const, id: name, rev: ifMatch };
  await mutate(
    ctx,
    (view) => {
      const current = roleIn(view, name);
      checkIfMatch(view, match);
      return {
        records: [{ kind: 'role', id: name, rev: current.rev, before: current.record, after: null }],
        events: [configEvent('tenancy.role_deleted', actor, { role: name })],
        result: () => undefined,
      };
    },
    match ? { ifMatch: match } : {},
  );
  return { sessionsEnded: await endUncoveredSessions(ctx, name, ctx.sync.view().roles, ctx.sync.view().tenantIds, actor, true) };
}
