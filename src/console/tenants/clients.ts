/**
 * A tenant's apps (its clients) in the console (PROTOCOL §11): created, changed, their secret
 * rotated with an overlap the admin chooses, deleted. A new secret is in the answer to the
 * change only — a `no-store`, no-referrer page — and never stored, logged or posted back:
 * Gatehouse keeps its hash. Each change carries the client's revision.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { parseForm } from '../../http/body.js';
import { type Actor, type Tenancy, TenancyError } from '../../tenancy/index.js';
import { consolePage, utc } from '../page.js';
import { clientCreateInput, clientPatch, formRevision, rotateInput, typedClient } from './forms.js';
import { refusalOf } from './refusals.js';
import { changing, done, orRefused, showTenant, TENANTS, type TenantPages } from './shared.js';

type ClientWithSecret = Awaited<ReturnType<Tenancy['createClient']>>;

/** The page that shows a new secret, this once. */
function showSecret(ctx: Context, tenantId: string, { client, secret }: ClientWithSecret, rotated: boolean) {
  ctx.set('Referrer-Policy', 'no-referrer');
  const previous = rotated ? client.record.secrets[1] : undefined;
  consolePage(ctx, 'console/client-secret', {
    title: rotated ? 'New secret' : 'App created',
    titleSubject: client.record.clientId,
    clientId: client.record.clientId,
    secret,
    rotated,
    // After a rotation: until when the previous secret still works (or that it no longer does).
    previousUntil: previous?.expiresAt !== undefined && previous.expiresAt > Date.now() ? utc(previous.expiresAt) : null,
    back: `${TENANTS}/${encodeURIComponent(tenantId)}#client-${client.record.clientId}`,
  });
}

export function tenantClientRoutes(router: Router, pages: TenantPages) {
  const { tenancy } = pages.services;

  /** The client named in the path, only under its own tenant's (null after showing the refusal). */
  const clientOf = (ctx: Context, actor: Actor, id: string, form: string) =>
    orRefused(
      tenancy.getClient(actor, ctx.params.client!).then((c) => {
        if (c.record.tenant !== id) throw new TenancyError('not_found', `tenant "${id}" has no app "${ctx.params.client}"`);
        return c;
      }),
      (err) => showTenant(ctx, pages, actor, id, { refusal: refusalOf(form, err) }),
    );

  router.post('/:id/clients', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const actor = await changing(ctx, pages, `Create the app of ${id}`);
    if (!actor) return;
    const typed = typedClient(ctx.request.body);
    const created = await orRefused(tenancy.createClient(actor, clientCreateInput(typed, id)), (err) =>
      showTenant(ctx, pages, actor, id, { refusal: refusalOf('new-client', err), typed: { client: typed } }),
    );
    if (created) showSecret(ctx, id, created, false);
  });

  router.post('/:id/clients/:client', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const form = `client:${ctx.params.client}`;
    const actor = await changing(ctx, pages, `Save the app ${ctx.params.client}`);
    if (!actor || !(await clientOf(ctx, actor, id, form))) return;
    const typed = { ...typedClient(ctx.request.body), clientId: ctx.params.client! };
    const rev = formRevision(ctx.request.body);
    const saved = await orRefused(tenancy.updateClient(actor, ctx.params.client!, clientPatch(typed), rev), (err) =>
      showTenant(ctx, pages, actor, id, { refusal: refusalOf(form, err), typed: { client: typed, rev } }),
    );
    if (saved) done(ctx, id, 'client-saved', `#client-${ctx.params.client}`);
  });

  router.post('/:id/clients/:client/rotate-secret', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const form = `client:${ctx.params.client}`;
    const actor = await changing(ctx, pages, `Rotate the secret of ${ctx.params.client}`);
    if (!actor || !(await clientOf(ctx, actor, id, form))) return;
    const rev = formRevision(ctx.request.body);
    const rotated = await orRefused(tenancy.rotateClientSecret(actor, ctx.params.client!, rotateInput(ctx.request.body), rev), (err) =>
      showTenant(ctx, pages, actor, id, { refusal: refusalOf(form, err), typed: { rev } }),
    );
    if (rotated) showSecret(ctx, id, rotated, true);
  });

  router.post('/:id/clients/:client/delete', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const form = `client:${ctx.params.client}`;
    const actor = await changing(ctx, pages, `Delete the app ${ctx.params.client}`);
    if (!actor || !(await clientOf(ctx, actor, id, form))) return;
    const rev = formRevision(ctx.request.body);
    const deleted = await orRefused(tenancy.deleteClient(actor, ctx.params.client!, rev), (err) => showTenant(ctx, pages, actor, id, { refusal: refusalOf(form, err), typed: { rev } }));
    if (deleted) done(ctx, id, 'client-deleted');
  });
}
