/**
 * What every tenant page and change shares (PROTOCOL §11, console): who may see them (an
 * admin whose role has `manageTenants`; 403 otherwise), what a change needs before the
 * service is asked (CSRF, then a fresh passkey step-up, the form waiting for it
 * server-side), and the tenant's page itself, rendered again with a refused form's typed
 * values and the revision it carried.
 */
import type { Context } from 'koa';
import { field } from '../../http/body.js';
import { csrfValid } from '../../http/csrf.js';
import { requestMeta } from '../../http/passkey-ceremony.js';
import type { Services } from '../../services.js';
import { type Actor, mayManageTenants, TenancyError } from '../../tenancy/index.js';
import { domainResource } from '../../tenancy/present.js';
import { readableLogs } from '../audit.js';
import { type ConsoleSessions, consolePage, type SignedInAdmin, signedInAdmin, utc } from '../page.js';
import { requireFreshStepUp } from '../pending-action.js';
import { CHOICES, type ClientForm, clientForm, GRANT_CHOICES, NEW_CLIENT_GRANTS, OVERLAP_CHOICES, type SettingsForm, settingsForm } from './forms.js';
import { type Refusal, refusalOf } from './refusals.js';

export const TENANTS = '/admin/tenants';

/** The id of a domain's block on the tenant's page (a host may hold a port). */
export const domainAnchor = (host: string) => `domain-${host.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;

export interface TenantPages {
  services: Services;
  sessions: ConsoleSessions;
}

/** What a change's answer says, by the `done` of the redirect after it. */
export const NOTICES: Record<string, string> = {
  created: 'The tenant was created. Add its custom domain and its app below.',
  saved: "The policy was saved. Every instance enforces it within a second; a change to what protects the tenant's users is also in the tenant's own audit log.",
  disabled: "The tenant was disabled: its apps no longer sign in, its domains are no audience, and its live support sessions ended.",
  enabled: 'The tenant was enabled again.',
  'domain-added': 'The domain was added. It stays pending until its owner proves control in one of the two ways shown, then Verify.',
  'domain-verified': 'The domain is verified: tickets may be minted for it, and its apps may use URIs on it.',
  'domain-removed': "The domain was removed: no ticket is minted for it, outstanding ones fail, and the apps' URIs on it were taken out.",
  'client-saved': "The app's settings were saved.",
  'client-deleted': 'The app was deleted: it no longer signs in, its tokens are inactive, and its live support sessions ended.',
};

export const adminActor = (signedIn: SignedInAdmin, ctx: Context): Actor => ({ kind: 'admin', adminId: signedIn.admin.id, roles: signedIn.admin.roles, facts: requestMeta(ctx) });

/** The signed-in admin when their roles may manage tenants; otherwise null after answering (sign in, or 403). */
export async function manager(ctx: Context, pages: TenantPages): Promise<SignedInAdmin | null> {
  const signedIn = await signedInAdmin(ctx, pages.sessions);
  if (!signedIn) return null;
  if (mayManageTenants(signedIn.admin.roles, pages.services.tenancy.view().roles)) return signedIn;
  consolePage(ctx, 'console/message', { title: 'Tenants', error: 'Your roles do not let you manage tenants.' }, 403);
  return null;
}

/**
 * Before any change: the right, the form's CSRF token, then a fresh passkey step-up (a stale
 * one keeps the form and sends the admin through it; the form is posted again after). The
 * actor to hand the service, or null after answering.
 */
export async function changing(ctx: Context, pages: TenantPages, label: string): Promise<Actor | null> {
  const signedIn = await manager(ctx, pages);
  if (!signedIn) return null;
  if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) {
    consolePage(ctx, 'console/message', { title: 'Tenants', error: 'Your session expired. Reload the page and try again.', link: { href: TENANTS, text: 'Back to the tenants' } }, 403);
    return null;
  }
  if (!(await requireFreshStepUp(ctx, pages.services, pages.sessions, signedIn, label))) return null;
  return adminActor(signedIn, ctx);
}

/** A 303 to the tenant's page with what was done. */
export function done(ctx: Context, tenantId: string, what: keyof typeof NOTICES, anchor = '') {
  ctx.status = 303;
  ctx.redirect(`${TENANTS}/${encodeURIComponent(tenantId)}?done=${what}${anchor}`);
}

/**
 * The service's answer to a change, or null once `onRefused` has shown its refusal (on the
 * form, with what was typed). Anything but a refusal is thrown on, to the error page.
 */
export async function orRefused<T extends object>(work: Promise<T>, onRefused: (err: TenancyError) => unknown): Promise<T | null> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof TenancyError)) throw err;
    await onRefused(err);
    return null;
  }
}

/** A page that cannot be shown at all (no such tenant, or the service refused reading it). */
export function refusedPage(ctx: Context, err: TenancyError) {
  consolePage(ctx, 'console/message', { title: 'Tenants', error: refusalOf('page', err).text, code: err.code, link: { href: TENANTS, text: 'Back to the tenants' } }, err.status);
}

export interface TenantPageState {
  notice?: string;
  refusal?: Refusal;
  /** What the admin typed into the refused form, and the revision it carried (never a secret). */
  typed?: { settings?: SettingsForm; client?: ClientForm; origin?: string; rev?: number };
}

/**
 * The tenant's page: its policy, domains (a pending one with both ways to prove it) and
 * apps. After a refusal, the refused form shows what was typed and keeps the revision it was
 * posted with, so saving it again is refused again until the admin reloads and sees what
 * changed meanwhile; every other form carries the current revision.
 */
export async function showTenant(ctx: Context, pages: TenantPages, actor: Actor, id: string, state: TenantPageState = {}) {
  const { tenancy } = pages.services;
  const read = await orRefused(Promise.all([tenancy.getTenant(actor, id), tenancy.listClients(actor, { tenant: id })]), (err) => refusedPage(ctx, err));
  if (!read) return;
  const [{ record, rev }, clients] = read;
  const refused = state.refusal?.form;
  const revFor = (form: string, current: number) => (refused === form && state.typed?.rev !== undefined ? state.typed.rev : current);
  const typedClient = (form: string) => (refused === form ? state.typed?.client : undefined);
  // A refusal about a domain or app that is not on the page (removed meanwhile) is shown at the top.
  const forms = ['settings', 'status', 'add-domain', 'new-client', ...record.domains.map((d) => `domain:${domainResource(d).host}`), ...clients.map((c) => `client:${c.record.clientId}`)];
  consolePage(
    ctx,
    'console/tenant',
    {
      title: 'Tenant',
      titleSubject: record.name,
      tenant: { id: record.id, disabled: record.disabled, created: utc(record.createdAt), updated: utc(record.updatedAt) },
      // Its log is a link only for an admin whose roles let them read it (the audit page's rule).
      readsLog: readableLogs(pages.services, { roles: actor.kind === 'admin' ? [...actor.roles] : [] }).includes(record.id),
      notice: state.notice,
      refusal: state.refusal,
      refusedElsewhere: refused !== undefined && !forms.includes(refused),
      choices: CHOICES,
      grantChoices: GRANT_CHOICES,
      overlapChoices: OVERLAP_CHOICES,
      settings: (refused === 'settings' && state.typed?.settings) || settingsForm(record),
      settingsRev: revFor('settings', rev),
      statusRev: revFor('status', rev),
      domains: record.domains.map((d) => {
        const shown = domainResource(d);
        return { ...shown, anchor: domainAnchor(shown.host), verifiedAt: utc(d.verifiedAt), rev: revFor(`domain:${shown.host}`, rev) };
      }),
      newOrigin: refused === 'add-domain' ? (state.typed?.origin ?? '') : '',
      clients: clients.map((c) => ({
        clientId: c.record.clientId,
        name: c.record.name ?? '',
        confidential: c.record.secrets.length > 0,
        secrets: c.record.secrets.map((s) => ({ created: utc(s.createdAt), until: s.expiresAt === undefined ? null : utc(s.expiresAt) })),
        form: typedClient(`client:${c.record.clientId}`) ?? clientForm(c.record),
        rev: revFor(`client:${c.record.clientId}`, c.rev),
      })),
      newClient: typedClient('new-client') ?? { clientId: '', name: '', redirectUris: '', postLogoutRedirectUris: '', backchannelLogoutUri: '', grantTypes: NEW_CLIENT_GRANTS, scope: '' },
    },
    state.refusal?.status ?? 200,
  );
}
