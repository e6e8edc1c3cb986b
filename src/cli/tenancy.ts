/** What the runtime-configuration commands share (tenant, domain, client, role, config). */
import type { Actor } from '../tenancy/index.js';

/** The CLI acts as `cli` in the audit log (and may do anything: it holds the store's credentials). */
export const CLI_TENANCY: Actor = { kind: 'cli' };
