/**
 * Managing admins in the console (/admin/admins), for admins whose role has `manageAdmins`
 * (PROTOCOL §3.1, §10): issue a passkey enrollment link (an admin's first passkey, or a
 * lost one's replacement), disable or enable an admin, change their roles. Every change
 * needs a fresh passkey step-up of the manager (the console sends them through it and
 * back), is audited, and never applies to the manager's own account (that is the CLI's).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Admin } from '../accounts/types.js';
import { issueEnrollment } from '../enrollment/index.js';
import { field, parseForm } from '../http/body.js';
import { csrfValid } from '../http/csrf.js';
import { requestMeta } from '../http/passkey-ceremony.js';
import { type Actor, changeAdminRoles, disableAdmin, enableAdmin, type LifecycleDeps } from '../lifecycle/index.js';
import type { Services } from '../services.js';
import { type ConsoleSessions, consolePage, humanDuration, queryValue, type SignedInAdmin, signedInAdmin, utc } from './page.js';
import { requireFreshStepUp } from './pending-action.js';
import { mayManageAdmins } from './rights.js';

const HOME = '/admin/admins';

const NOTICES: Record<string, string> = {
  disabled: 'The admin was disabled: their console sessions, impersonation sessions and outstanding tickets ended.',
  enabled: 'The admin was enabled. They sign in again with their password.',
  roles: "The admin's roles were changed. Sessions at tenants the new roles do not cover ended.",
};

export function adminRoutes(services: Services, sessions: ConsoleSessions) {
  const { config, accounts, store, audit, passkeys } = services;
  const router = new Router({ prefix: HOME });
  // The roles as they are when each change is made (runtime configuration, PROTOCOL §11).
  const lifecycle: LifecycleDeps = {
    accounts,
    store,
    audit,
    get roles() {
      return services.tenancy.view().roles;
    },
    tenants: () => services.tenancy.view().tenantIds,
  };

  /** The signed-in manager, or null after answering (sign in, or 403). */
  async function manager(ctx: Context): Promise<SignedInAdmin | null> {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return null;
    if (mayManageAdmins(services.tenancy.view(), signedIn.admin)) return signedIn;
    consolePage(ctx, 'console/message', { title: 'Admins', error: 'Your roles do not let you manage admins.' }, 403);
    return null;
  }

  /** A change to another admin: CSRF, a fresh step-up, the target. Null after answering. */
  async function change(ctx: Context, label: string): Promise<{ signedIn: SignedInAdmin; target: Admin; actor: Actor } | null> {
    const signedIn = await manager(ctx);
    if (!signedIn) return null;
    const fail = (status: number, error: string) => {
      consolePage(ctx, 'console/message', { title: 'Admins', error, link: { href: HOME, text: 'Back to the admins' } }, status);
      return null;
    };
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) return fail(403, 'Your session expired. Reload the page and try again.');
    if (!(await requireFreshStepUp(ctx, services, sessions, signedIn, label))) return null;
    const id = ctx.params.id ?? '';
    const target = id.length <= 64 ? await accounts.admins.findById(id) : null;
    if (!target) return fail(404, 'There is no such admin.');
    if (target.id === signedIn.admin.id) return fail(409, 'You cannot change your own account here; another admin or an operator (the gatehouse CLI) can.');
    return { signedIn, target, actor: { by: signedIn.admin.id, via: 'console', facts: requestMeta(ctx) } };
  }

  const done = (ctx: Context, what: keyof typeof NOTICES) => {
    ctx.status = 303;
    ctx.redirect(`${HOME}?done=${what}`);
  };

  router.get('/', async (ctx) => {
    const signedIn = await manager(ctx);
    if (!signedIn) return;
    const { items } = await accounts.admins.list({ limit: 500 });
    const rows = await Promise.all(
      items.map(async (a) => ({
        id: a.id,
        name: a.name,
        email: a.email,
        roles: a.roles,
        disabled: a.disabled,
        passkeys: await passkeys.count('admin', a.id),
        created: utc(a.createdAt),
        self: a.id === signedIn.admin.id,
      })),
    );
    consolePage(ctx, 'console/admins', {
      title: 'Admins',
      admins: rows,
      roles: services.tenancy.view().roles.map((r) => r.name),
      ttl: humanDuration(config.policy.passkeyEnrollmentTtl),
      notice: NOTICES[queryValue(ctx, 'done', 16) ?? ''],
    });
  });

  router.post('/:id/enroll-link', parseForm, async (ctx) => {
    const changing = await change(ctx, 'Issue the enrollment link');
    if (!changing) return;
    const { target, actor } = changing;
    if (target.disabled) {
      return consolePage(ctx, 'console/message', { title: 'Enrollment link', error: `${target.email} is disabled: enable the account first.`, link: { href: HOME, text: 'Back to the admins' } }, 409);
    }
    const deps = { store, audit, issuer: config.issuer, ttl: config.policy.passkeyEnrollmentTtl };
    const { url, expiresAt } = await issueEnrollment(deps, target, { by: actor.by, via: 'console', facts: actor.facts });
    // Shown once: the link is stored only as a hash.
    ctx.set('Referrer-Policy', 'no-referrer');
    consolePage(ctx, 'console/enroll-link', { title: 'Passkey enrollment link', target: { name: target.name, email: target.email }, url, expires: utc(expiresAt.getTime()) });
  });

  router.post('/:id/disable', parseForm, async (ctx) => {
    const changing = await change(ctx, 'Disable the admin');
    if (!changing) return;
    await disableAdmin(lifecycle, changing.target.id, changing.actor);
    done(ctx, 'disabled');
  });

  router.post('/:id/enable', parseForm, async (ctx) => {
    const changing = await change(ctx, 'Enable the admin');
    if (!changing) return;
    await enableAdmin(lifecycle, changing.target.id, changing.actor);
    done(ctx, 'enabled');
  });

  router.post('/:id/roles', parseForm, async (ctx) => {
    const changing = await change(ctx, "Save the admin's roles");
    if (!changing) return;
    const asked = (ctx.request.body as { roles?: unknown }).roles;
    const roles = (Array.isArray(asked) ? asked : asked === undefined ? [] : [asked]).filter((r): r is string => typeof r === 'string');
    const known = new Set(services.tenancy.view().roles.map((r) => r.name));
    if (roles.length > known.size || roles.some((r) => !known.has(r))) {
      return consolePage(ctx, 'console/message', { title: 'Roles', error: 'Choose roles from the list.', link: { href: HOME, text: 'Back to the admins' } }, 400);
    }
    await changeAdminRoles(lifecycle, changing.target.id, roles, changing.actor);
    done(ctx, 'roles');
  });

  return router;
}
