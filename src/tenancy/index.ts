/**
 * Runtime configuration (PROTOCOL §11): tenants, their custom domains, clients and roles,
 * stored in Redis and read by every hot path from an in-process view that follows every
 * change within a second. This is the one service the management API, the CLI,
 * `config apply` and the console all call: it authorizes the actor, validates with the
 * config file's schemas, checks ETags, commits atomically, audits (the tenant's own log for
 * protection changes), invalidates every instance and ends what a removal leaves behind.
 * Framework-free: it takes the store, the audit log and a domain verifier.
 *
 * @example
 * const tenancy = createTenancy({ store, audit, sync, verifier });
 * await tenancy.start();
 * const actor = { kind: 'admin', adminId: admin.id, roles: admin.roles } as const;
 * const { rev } = await tenancy.getTenant(actor, 'acme');
 * await tenancy.updateTenant(actor, 'acme', { consent: 'approval' }, rev);
 */
import type { Logger } from 'pino';
import type { Accounts } from '../accounts/index.js';
import type { AuditSink } from '../impersonation/end.js';
import type { Store } from '../store/types.js';
import { applyDeclared, bootstrap, type Declared } from './apply.js';
import { createClient, deleteClient, getClient, listClients, rotateClientSecret, updateClient } from './clients.js';
import type { TenancyContext } from './context.js';
import { addDomain, removeDomain, verifyDomain } from './domains.js';
import { deleteRole, getRole, listRoles, putRole } from './roles.js';
import type { TenancySync } from './sync.js';
import { createTenant, getTenant, listTenants, setTenantDisabled, updateTenant } from './tenants.js';
import type { Actor } from './types.js';
import type { DomainVerifier } from './verification/index.js';

export interface TenancyDeps {
  store: Store;
  audit: AuditSink;
  sync: TenancySync;
  verifier: DomainVerifier;
  /** For role changes, to end the sessions a role no longer allows (the server and the CLI have it). */
  accounts?: Pick<Accounts, 'admins' | 'users'>;
  now?: () => number;
  /** Where a change that could not be read back, or could not be undone, is reported. */
  logger?: Logger;
}

type Rest<F> = F extends (ctx: TenancyContext, ...args: infer A) => infer R ? (...args: A) => R : never;

export function createTenancy(deps: TenancyDeps) {
  const ctx: TenancyContext = { ...deps, now: deps.now ?? Date.now };
  const bind = <F extends (ctx: TenancyContext, ...args: never[]) => unknown>(f: F) => ((...args: unknown[]) => (f as unknown as (...a: unknown[]) => unknown)(ctx, ...args)) as Rest<F>;
  return {
    /** The current view (synchronous, no I/O): what the hot paths read. */
    view: () => deps.sync.view(),
    /** The view after catching up with the store's version (one round trip when current). */
    refresh: () => deps.sync.refresh(),
    start: () => deps.sync.start(),
    stop: () => deps.sync.stop(),
    /** Whether `secret` is a live secret of the active client (the view's hashes; constant time). */
    checkClientSecret: (clientId: string, secret: string) => deps.sync.view().checkSecret(clientId, secret),

    createTenant: bind(createTenant),
    getTenant: bind(getTenant),
    listTenants: bind(listTenants),
    /** A JSON merge patch of the tenant's settings, against the revision read (`ifMatch`). */
    updateTenant: bind(updateTenant),
    disableTenant: (actor: Actor, id: string, ifMatch?: number) => setTenantDisabled(ctx, actor, id, true, ifMatch),
    enableTenant: (actor: Actor, id: string, ifMatch?: number) => setTenantDisabled(ctx, actor, id, false, ifMatch),

    addDomain: bind(addDomain),
    verifyDomain: bind(verifyDomain),
    removeDomain: bind(removeDomain),

    createClient: bind(createClient),
    getClient: bind(getClient),
    listClients: bind(listClients),
    updateClient: bind(updateClient),
    rotateClientSecret: bind(rotateClientSecret),
    deleteClient: bind(deleteClient),

    listRoles: bind(listRoles),
    getRole: bind(getRole),
    putRole: bind(putRole),
    deleteRole: bind(deleteRole),

    /** Makes the store match a declaration (`gatehouse config apply`). */
    apply: bind(applyDeclared),
    /** Applies the config file to a store that never held configuration (the first start). */
    bootstrap: (declared: Declared) => bootstrap(ctx, declared),
  };
}

export type Tenancy = ReturnType<typeof createTenancy>;

export type { Declared } from './apply.js';
export { TenancyError, type TenancyErrorCode, tenancyErrors } from './errors.js';
export { mayManageTenants } from './rights.js';
export { createTenancySync, type TenancySync } from './sync.js';
export type * from './types.js';
export { createDomainVerifier, type DomainVerifier, proofInstructions } from './verification/index.js';
export { domainHost, type TenancyView } from './view.js';
