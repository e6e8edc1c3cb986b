/** What the account commands hand the lifecycle and enrollment domains (src/lifecycle, src/enrollment). */
import type { EnrollmentDeps } from '../enrollment/index.js';
import type { Actor, LifecycleDeps } from '../lifecycle/index.js';
import type { CliContext } from './command.js';

/** The CLI acts as `cli` in audit events. */
export const CLI_ACTOR: Actor = { by: 'cli', via: 'cli' };

export async function lifecycleDeps(ctx: CliContext): Promise<LifecycleDeps> {
  const view = await ctx.view();
  return { accounts: await ctx.accounts(), store: await ctx.store(), audit: await ctx.audit(), roles: view.roles, tenants: () => view.tenantIds };
}

export async function enrollmentDeps(ctx: CliContext): Promise<EnrollmentDeps> {
  const config = ctx.config();
  return { store: await ctx.store(), audit: await ctx.audit(), issuer: config.issuer, ttl: config.policy.passkeyEnrollmentTtl };
}
