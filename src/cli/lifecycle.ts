/** What the account commands hand the lifecycle and enrollment domains (src/lifecycle, src/enrollment). */
import type { EnrollmentDeps } from '../enrollment/index.js';
import type { Actor, LifecycleDeps } from '../lifecycle/index.js';
import type { CliContext } from './command.js';

/** The CLI acts as `cli` in audit events. */
export const CLI_ACTOR: Actor = { by: 'cli', via: 'cli' };

export async function lifecycleDeps(ctx: CliContext): Promise<LifecycleDeps> {
  return { accounts: await ctx.accounts(), store: await ctx.store(), audit: await ctx.audit(), roles: (await ctx.view()).roles };
}

export async function enrollmentDeps(ctx: CliContext): Promise<EnrollmentDeps> {
  const config = ctx.config();
  return { store: await ctx.store(), audit: await ctx.audit(), issuer: config.issuer, ttl: config.policy.passkeyEnrollmentTtl };
}
