/**
 * Disabling and enabling users from the console (PROTOCOL §10.2), for admins whose role
 * has `manageUsers` and covers the user's tenant, freshly stepped up. Disabling ends the
 * user's impersonation sessions, /account sessions and outstanding tickets at once.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { field, parseForm } from '../http/body.js';
import { csrfValid } from '../http/csrf.js';
import { requestMeta } from '../http/passkey-ceremony.js';
import { disableUser, enableUser } from '../lifecycle/index.js';
import type { Services } from '../services.js';
import { type ConsoleSessions, consolePage, signedInAdmin } from './page.js';
import { requireFreshStepUp } from './pending-action.js';
import { mayManageUsersOf } from './rights.js';

export function userLifecycleRoutes(services: Services, sessions: ConsoleSessions) {
  const { accounts, store, audit } = services;
  const router = new Router({ prefix: '/admin/users' });
  const lifecycle = {
    accounts,
    store,
    audit,
    get roles() {
      return services.tenancy.view().roles;
    },
    tenants: () => services.tenancy.view().tenantIds,
  };

  async function change(ctx: Context, disabled: boolean) {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const fail = (status: number, error: string) => consolePage(ctx, 'console/message', { title: 'Users', error, link: { href: '/admin/users', text: 'Back to the users' } }, status);
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) return fail(403, 'Your session expired. Reload the page and try again.');
    const id = ctx.params.id ?? '';
    const user = id.length <= 128 ? await accounts.users.findById(id) : null;
    // One answer for unknown users and users of tenants the admin may not manage.
    if (!user || !mayManageUsersOf(services.tenancy.view(), signedIn.admin, user.tenant)) return fail(403, 'There is no such user, or your roles do not let you manage them.');
    const back = `/admin/users?tenant=${user.tenant}`;
    if (!(await requireFreshStepUp(ctx, services, sessions, signedIn, `${disabled ? 'Disable' : 'Enable'} ${user.email}`))) return;
    const actor = { by: signedIn.admin.id, via: 'console' as const, facts: requestMeta(ctx) };
    if (disabled) await disableUser(lifecycle, user.id, actor);
    else await enableUser(lifecycle, user.id, actor);
    ctx.status = 303;
    ctx.redirect(`${back}&done=${disabled ? 'disabled' : 'enabled'}`);
  }

  router.post('/:id/disable', parseForm, (ctx) => change(ctx, true));
  router.post('/:id/enable', parseForm, (ctx) => change(ctx, false));
  return router;
}
