/**
 * Tenants in the console (`/admin/tenants`, PROTOCOL §11), for admins whose role has
 * `manageTenants`: the list (paged), a new tenant, a tenant's page with its policy, its
 * custom domains (domains.ts) and its apps (clients.ts), disabling and enabling it. Every
 * change goes through the tenancy service — as the management API and the CLI do — after
 * a fresh passkey step-up (a stale one keeps the form and resumes it), carrying the
 * revision the form was read at: a concurrent change is refused, never overwritten.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { tenantIdSchema } from '../../config/schema.js';
import { parseForm } from '../../http/body.js';
import type { Services } from '../../services.js';
import type { Actor } from '../../tenancy/index.js';
import { type ConsoleSessions, consolePage, queryValue } from '../page.js';
import { tenantClientRoutes } from './clients.js';
import { tenantDomainRoutes } from './domains.js';
import { CHOICES, formRevision, type NewTenantForm, settingsPatch, typedNewTenant, typedSettings } from './forms.js';
import { type Refusal, refusalOf } from './refusals.js';
import { adminActor, changing, done, manager, NOTICES, orRefused, refusedPage, showTenant, TENANTS, type TenantPages } from './shared.js';

/** Tenants per page of the list. */
export const TENANTS_PER_PAGE = 20;

export function tenantRoutes(services: Services, sessions: ConsoleSessions) {
  const pages: TenantPages = { services, sessions };
  const { tenancy } = services;
  const router = new Router({ prefix: TENANTS });

  async function showList(ctx: Context, actor: Actor, state: { refusal?: Refusal; typed?: NewTenantForm } = {}) {
    const after = queryValue(ctx, 'after', 63);
    const page = await orRefused(tenancy.listTenants(actor, { ...(after && tenantIdSchema.safeParse(after).success ? { after } : {}), limit: TENANTS_PER_PAGE }), (err) => refusedPage(ctx, err));
    if (!page) return;
    consolePage(
      ctx,
      'console/tenants',
      {
        title: 'Tenants',
        tenants: page.items.map(({ record: t }) => ({
          id: t.id,
          name: t.name,
          disabled: t.disabled,
          consent: t.consent,
          verified: t.domains.filter((d) => d.status === 'verified').map((d) => d.origin),
          pending: t.domains.filter((d) => d.status === 'pending').length,
        })),
        next: page.next ? `${TENANTS}?after=${encodeURIComponent(page.next)}` : null,
        first: after ? TENANTS : null,
        consentChoices: CHOICES.consent,
        typed: state.typed ?? { id: '', name: '', consent: 'none' },
        refusal: state.refusal,
        notice: NOTICES[queryValue(ctx, 'done', 20) ?? ''],
      },
      state.refusal?.status ?? 200,
    );
  }

  router.get('/', async (ctx) => {
    const signedIn = await manager(ctx, pages);
    if (signedIn) await showList(ctx, adminActor(signedIn, ctx));
  });

  router.post('/', parseForm, async (ctx) => {
    const actor = await changing(ctx, pages, 'Create the tenant');
    if (!actor) return;
    const typed = typedNewTenant(ctx.request.body);
    const input = { id: typed.id, name: typed.name, ...(typed.consent ? { consent: typed.consent } : {}) };
    if (await orRefused(tenancy.createTenant(actor, input), (err) => showList(ctx, actor, { refusal: refusalOf('new-tenant', err), typed }))) done(ctx, typed.id, 'created');
  });

  router.get('/:id', async (ctx) => {
    const signedIn = await manager(ctx, pages);
    if (signedIn) await showTenant(ctx, pages, adminActor(signedIn, ctx), ctx.params.id!, { notice: NOTICES[queryValue(ctx, 'done', 20) ?? ''] });
  });

  // The policy: every setting the schema holds, as one merge patch against the revision read.
  router.post('/:id', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const actor = await changing(ctx, pages, `Save the policy of ${id}`);
    if (!actor) return;
    const settings = typedSettings(ctx.request.body);
    const rev = formRevision(ctx.request.body);
    const saved = await orRefused(tenancy.updateTenant(actor, id, settingsPatch(settings), rev), (err) =>
      showTenant(ctx, pages, actor, id, { refusal: refusalOf('settings', err), typed: { settings, rev } }),
    );
    if (saved) done(ctx, id, 'saved');
  });

  for (const action of ['disable', 'enable'] as const) {
    router.post(`/:id/${action}`, parseForm, async (ctx) => {
      const id = ctx.params.id!;
      const actor = await changing(ctx, pages, action === 'disable' ? `Disable ${id}` : `Enable ${id}`);
      if (!actor) return;
      const rev = formRevision(ctx.request.body);
      const change = action === 'disable' ? tenancy.disableTenant(actor, id, rev) : tenancy.enableTenant(actor, id, rev);
      if (await orRefused(change, (err) => showTenant(ctx, pages, actor, id, { refusal: refusalOf('status', err), typed: { rev } }))) {
        done(ctx, id, action === 'disable' ? 'disabled' : 'enabled');
      }
    });
  }

  tenantDomainRoutes(router, pages);
  tenantClientRoutes(router, pages);
  return router;
}
