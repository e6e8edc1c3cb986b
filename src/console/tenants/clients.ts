/**
 * A tenant's apps (its clients) in the console (PROTOCOL §11): created, changed, their secret
 * rotated with an overlap the admin chooses, deleted. A new secret is in the answer to the
 * change only — a `no-store`, no-referrer page — and never stored, logged or posted back:
 * Gatehouse keeps its hash. Each change carries the client's revision.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { parseForm } from '../../http/body.js';
import { type Tenancy, TenancyError } from '../../tenancy/index.js';
import { consolePage, utc } from '../page.js';
import { type ClientForm, clientCreateInput, clientPatch, formRevision, rotateInput, typedClient } from './forms.js';
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

  /**
   * A change to the app named in the path: the checks every change makes (changing), then the
   * app, only under its own tenant's path. What the route needs, or null after answering.
   */
  async function appChange(ctx: Context, label: string) {
    const id = ctx.params.id!;
    const clientId = ctx.params.client!;
    const form = `client:${clientId}`;
    const actor = await changing(ctx, pages, label);
    if (!actor) return null;
    const rev = formRevision(ctx.request.body);
    /** Shows a refusal on the app's forms, which keep what was typed and the revision posted. */
    const refused = (err: TenancyError, client?: ClientForm) => showTenant(ctx, pages, actor, id, { refusal: refusalOf(form, err), typed: { rev, ...(client ? { client } : {}) } });
    const found = await orRefused(
      tenancy.getClient(actor, clientId).then((c) => {
        if (c.record.tenant !== id) throw new TenancyError('not_found', `tenant "${id}" has no app "${clientId}"`);
        return c;
      }),
      (err) => refused(err),
    );
    return found && { id, clientId, actor, rev, refused };
  }

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
    const app = await appChange(ctx, `Save the app ${ctx.params.client}`);
    if (!app) return;
    const typed = { ...typedClient(ctx.request.body), clientId: app.clientId };
    const saved = await orRefused(tenancy.updateClient(app.actor, app.clientId, clientPatch(typed), app.rev), (err) => app.refused(err, typed));
    if (saved) done(ctx, app.id, 'client-saved', `#client-${app.clientId}`);
  });

  router.post('/:id/clients/:client/rotate-secret', parseForm, async (ctx) => {
    const app = await appChange(ctx, `Rotate the secret of ${ctx.params.client}`);
    if (!app) return;
    const rotated = await orRefused(tenancy.rotateClientSecret(app.actor, app.clientId, rotateInput(ctx.request.body), app.rev), (err) => app.refused(err));
    if (rotated) showSecret(ctx, app.id, rotated, true);
  });

  router.post('/:id/clients/:client/delete', parseForm, async (ctx) => {
    const app = await appChange(ctx, `Delete the app ${ctx.params.client}`);
    if (!app) return;
    const deleted = await orRefused(tenancy.deleteClient(app.actor, app.clientId, app.rev), (err) => app.refused(err));
    if (deleted) done(ctx, app.id, 'client-deleted');
  });
}
