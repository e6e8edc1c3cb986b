/**
 * The management API, `/manage/v1/…` (PROTOCOL §11; the reference is docs/manage-api.md):
 * tenants, their domains and clients, and roles, as JSON. Every route authenticates a
 * management client (auth.ts) and hands the change to the tenancy service, which
 * authorizes the scope, validates, checks the ETag, commits, audits and invalidates.
 * Updates need `If-Match` (428 without, 412 when stale); every refusal is RFC 9457.
 */
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Services } from '../../services.js';
import { TenancyError } from '../errors.js';
import { clientResource, domainResource, roleResource, tenantResource } from '../present.js';
import type { Actor } from '../types.js';
import { domainHost } from '../view.js';
import { managementActor } from './auth.js';
import { ifMatch, jsonBody, problems, requireIfMatch, send } from './http.js';
import { MANAGE_PREFIX } from './resource.js';

const actorOf = (ctx: Context) => ctx.state.manageActor as Actor;

function pageSize(ctx: Context): number {
  const raw = ctx.query.limit;
  if (raw === undefined) return 50;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 200) throw new TenancyError('query_invalid', 'limit is 1 to 200');
  return Number(raw);
}

function cursor(ctx: Context): string | undefined {
  const raw = ctx.query.cursor;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(raw)) throw new TenancyError('query_invalid', 'cursor is the nextCursor of the previous page');
  return Buffer.from(raw, 'base64url').toString('utf8');
}

export function manageRoutes(services: Services): Middleware {
  const { tenancy } = services;
  const router = new Router({ prefix: MANAGE_PREFIX });
  const records = async () => (await tenancy.refresh()).records;
  const tenantRev = async (id: string) => (await records()).tenants.get(id)?.rev;
  /** The client, only under its own tenant's path. */
  const clientOfTenant = async (ctx: Context) => {
    const client = await tenancy.getClient(actorOf(ctx), ctx.params.client!);
    if (client.record.tenant !== ctx.params.tenant) throw new TenancyError('not_found', `tenant "${ctx.params.tenant}" has no client "${ctx.params.client}"`);
    return client;
  };

  router.use(async (ctx, next) => {
    ctx.state.manageActor = await managementActor(services, ctx);
    await next();
  });

  // Tenants.
  router.get('/tenants', async (ctx) => {
    const page = await tenancy.listTenants(actorOf(ctx), { after: cursor(ctx), limit: pageSize(ctx) });
    const next = page.next === undefined ? undefined : Buffer.from(page.next).toString('base64url');
    if (next) ctx.set('Link', `<${services.config.issuer}${MANAGE_PREFIX}/tenants?cursor=${next}&limit=${pageSize(ctx)}>; rel="next"`);
    send(ctx, 200, { items: page.items.map(tenantResource), ...(next ? { nextCursor: next } : {}) });
  });
  router.post('/tenants', async (ctx) => {
    const created = await tenancy.createTenant(actorOf(ctx), await jsonBody(ctx));
    ctx.set('Location', `${MANAGE_PREFIX}/tenants/${created.record.id}`);
    send(ctx, 201, tenantResource(created), created.rev);
  });
  router.get('/tenants/:tenant', async (ctx) => {
    const tenant = await tenancy.getTenant(actorOf(ctx), ctx.params.tenant!);
    send(ctx, 200, tenantResource(tenant), tenant.rev);
  });
  router.patch('/tenants/:tenant', async (ctx) => {
    const patch = await jsonBody(ctx);
    const updated = await tenancy.updateTenant(actorOf(ctx), ctx.params.tenant!, patch, requireIfMatch(ctx, await tenantRev(ctx.params.tenant!)));
    send(ctx, 200, tenantResource(updated), updated.rev);
  });
  for (const action of ['disable', 'enable'] as const) {
    router.post(`/tenants/:tenant/${action}`, async (ctx) => {
      await jsonBody(ctx, { optional: true });
      const id = ctx.params.tenant!;
      const change = action === 'disable' ? tenancy.disableTenant : tenancy.enableTenant;
      const { tenant, sessionsEnded } = await change(actorOf(ctx), id, ifMatch(ctx, await tenantRev(id)));
      send(ctx, 200, { tenant: tenantResource(tenant), sessionsEnded }, tenant.rev);
    });
  }

  // A tenant's domains: part of the tenant (its ETag covers them).
  router.get('/tenants/:tenant/domains', async (ctx) => {
    const tenant = await tenancy.getTenant(actorOf(ctx), ctx.params.tenant!);
    send(ctx, 200, { items: tenant.record.domains.map(domainResource) }, tenant.rev);
  });
  router.post('/tenants/:tenant/domains', async (ctx) => {
    const { tenant, domain } = await tenancy.addDomain(actorOf(ctx), ctx.params.tenant!, await jsonBody(ctx));
    ctx.set('Location', `${MANAGE_PREFIX}/tenants/${tenant.record.id}/domains/${domainHost(domain.origin)}`);
    send(ctx, 201, domainResource(domain), tenant.rev);
  });
  router.get('/tenants/:tenant/domains/:host', async (ctx) => {
    const tenant = await tenancy.getTenant(actorOf(ctx), ctx.params.tenant!);
    const domain = tenant.record.domains.find((d) => domainHost(d.origin) === ctx.params.host!.toLowerCase());
    if (!domain) throw new TenancyError('not_found', `tenant "${tenant.record.id}" has no domain ${ctx.params.host}`);
    send(ctx, 200, domainResource(domain), tenant.rev);
  });
  router.post('/tenants/:tenant/domains/:host/verify', async (ctx) => {
    const { tenant, domain } = await tenancy.verifyDomain(actorOf(ctx), ctx.params.tenant!, ctx.params.host!, await jsonBody(ctx, { optional: true }));
    send(ctx, 200, domainResource(domain), tenant.rev);
  });
  router.delete('/tenants/:tenant/domains/:host', async (ctx) => {
    const id = ctx.params.tenant!;
    const removed = await tenancy.removeDomain(actorOf(ctx), id, ctx.params.host!, ifMatch(ctx, await tenantRev(id)));
    send(ctx, 200, { removed: removed.domain.origin, clientsChanged: removed.clientsChanged, sessionsEnded: removed.sessionsEnded }, removed.tenant.rev);
  });

  // A tenant's clients.
  router.get('/tenants/:tenant/clients', async (ctx) => {
    const clients = await tenancy.listClients(actorOf(ctx), { tenant: ctx.params.tenant! });
    send(ctx, 200, { items: clients.map(clientResource) });
  });
  router.post('/tenants/:tenant/clients', async (ctx) => {
    const body = await jsonBody(ctx);
    const { client, secret } = await tenancy.createClient(actorOf(ctx), { role: 'tenant', ...body, tenant: ctx.params.tenant });
    ctx.set('Location', `${MANAGE_PREFIX}/tenants/${ctx.params.tenant}/clients/${client.record.clientId}`);
    // The secret is in this answer only: Gatehouse keeps its hash.
    send(ctx, 201, { ...clientResource(client), clientSecret: secret }, client.rev);
  });
  router.get('/tenants/:tenant/clients/:client', async (ctx) => {
    const client = await clientOfTenant(ctx);
    send(ctx, 200, clientResource(client), client.rev);
  });
  router.patch('/tenants/:tenant/clients/:client', async (ctx) => {
    const patch = await jsonBody(ctx);
    const current = await clientOfTenant(ctx);
    const updated = await tenancy.updateClient(actorOf(ctx), current.record.clientId, patch, requireIfMatch(ctx, current.rev));
    send(ctx, 200, clientResource(updated), updated.rev);
  });
  router.post('/tenants/:tenant/clients/:client/rotate-secret', async (ctx) => {
    const body = await jsonBody(ctx, { optional: true });
    const current = await clientOfTenant(ctx);
    const { client, secret } = await tenancy.rotateClientSecret(actorOf(ctx), current.record.clientId, body, ifMatch(ctx, current.rev));
    send(ctx, 200, { ...clientResource(client), clientSecret: secret }, client.rev);
  });
  router.delete('/tenants/:tenant/clients/:client', async (ctx) => {
    const current = await clientOfTenant(ctx);
    const { sessionsEnded } = await tenancy.deleteClient(actorOf(ctx), current.record.clientId, ifMatch(ctx, current.rev));
    send(ctx, 200, { deleted: current.record.clientId, sessionsEnded });
  });

  // Roles: PUT creates (If-None-Match: *) or replaces (If-Match).
  router.get('/roles', async (ctx) => send(ctx, 200, { items: (await tenancy.listRoles(actorOf(ctx))).map(roleResource) }));
  router.get('/roles/:role', async (ctx) => {
    const role = await tenancy.getRole(actorOf(ctx), ctx.params.role!);
    send(ctx, 200, roleResource(role), role.rev);
  });
  router.put('/roles/:role', async (ctx) => {
    const body = await jsonBody(ctx);
    const name = ctx.params.role!;
    const current = (await records()).roles.get(name)?.rev;
    const create = ctx.get('if-none-match').trim() === '*';
    if (create && current !== undefined) throw new TenancyError('precondition_failed', `a role "${name}" exists`);
    const { role, sessionsEnded } = await tenancy.putRole(actorOf(ctx), name, body, create ? { create: true } : { ifMatch: requireIfMatch(ctx, current) });
    send(ctx, create ? 201 : 200, { ...roleResource(role), sessionsEnded }, role.rev);
  });
  router.delete('/roles/:role', async (ctx) => {
    const name = ctx.params.role!;
    const { sessionsEnded } = await tenancy.deleteRole(actorOf(ctx), name, ifMatch(ctx, (await records()).roles.get(name)?.rev));
    send(ctx, 200, { deleted: name, sessionsEnded });
  });

  const routes = router.routes() as unknown as Middleware;
  const allowed = router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new TenancyError('method_not_allowed'),
    notImplemented: () => new TenancyError('method_not_allowed'),
  }) as unknown as Middleware;
  const handle = problems();
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== '/manage' && !ctx.path.startsWith('/manage/')) return next();
    await handle(ctx, async () => {
      await routes(ctx, async () => {
        await allowed(ctx, async () => {});
      });
      if (ctx.status === 404 && ctx.body === undefined) throw new TenancyError('not_found', `no resource at ${ctx.path}`);
    });
  };
}
