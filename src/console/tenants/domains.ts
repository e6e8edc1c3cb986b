/**
 * A tenant's custom domains in the console (PROTOCOL §11): added pending (its page then shows
 * the token and both ways to prove control: served over HTTP, or a DNS TXT record),
 * verified when the owner has published it, removed. The host travels in the form, not the
 * path (`host:port` is no console path a waiting form may resume to).
 */
import type Router from '@koa/router';
import { field, parseForm } from '../../http/body.js';
import { domainHost } from '../../tenancy/index.js';
import { formRevision } from './forms.js';
import { refusalOf } from './refusals.js';
import { changing, domainAnchor, done, orRefused, showTenant, type TenantPages } from './shared.js';

export function tenantDomainRoutes(router: Router, pages: TenantPages) {
  const { tenancy } = pages.services;

  router.post('/:id/domains', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const actor = await changing(ctx, pages, `Add the domain to ${id}`);
    if (!actor) return;
    const origin = (field(ctx.request.body, 'origin', 300) ?? '').trim();
    const added = await orRefused(tenancy.addDomain(actor, id, { origin }), (err) => showTenant(ctx, pages, actor, id, { refusal: refusalOf('add-domain', err), typed: { origin } }));
    if (added) done(ctx, id, 'domain-added', `#${domainAnchor(domainHost(added.domain.origin))}`);
  });

  router.post('/:id/domains/verify', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const actor = await changing(ctx, pages, `Verify the domain of ${id}`);
    if (!actor) return;
    const host = (field(ctx.request.body, 'host', 300) ?? '').toLowerCase();
    const method = field(ctx.request.body, 'method', 20) ?? 'http';
    const verified = await orRefused(tenancy.verifyDomain(actor, id, host, { method }), (err) => showTenant(ctx, pages, actor, id, { refusal: refusalOf(`domain:${host}`, err) }));
    if (verified) done(ctx, id, 'domain-verified', `#${domainAnchor(host)}`);
  });

  router.post('/:id/domains/remove', parseForm, async (ctx) => {
    const id = ctx.params.id!;
    const actor = await changing(ctx, pages, `Remove the domain of ${id}`);
    if (!actor) return;
    const host = (field(ctx.request.body, 'host', 300) ?? '').toLowerCase();
    const rev = formRevision(ctx.request.body);
    const removed = await orRefused(tenancy.removeDomain(actor, id, host, rev), (err) => showTenant(ctx, pages, actor, id, { refusal: refusalOf(`domain:${host}`, err), typed: { rev } }));
    if (removed) done(ctx, id, 'domain-removed');
  });
}
