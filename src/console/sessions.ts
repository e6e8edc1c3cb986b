/**
 * Impersonation sessions in the console (PROTOCOL §3 step 6, §7): the admin's own, or a
 * tenant's, with the time left, and an "End" button that ends one at once (introspection
 * then answers `active: false`, and the tenant app drops it at its next re-check).
 */
import Router from '@koa/router';
import { activityLines } from '../activity/index.js';
import { field, parseForm } from '../http/body.js';
import { csrfValid } from '../http/csrf.js';
import { requestMeta } from '../http/passkey-ceremony.js';
import { endAndAudit } from '../impersonation/end.js';
import { type EndReason, findSession, type ImpersonationSession, isActive, listSessions, SESSION_ID } from '../impersonation/sessions.js';
import { settleListed } from '../impersonation/end.js';
import type { Services } from '../services.js';
import { consolePage, coveredTenants, humanDuration, queryValue, signedInAdmin, utc, type ConsoleSessions } from './page.js';

const SESSIONS_SHOWN = 50;

/** How a session ended, in words (EndReason of src/impersonation/sessions.ts). */
const ENDED: Record<EndReason, string> = {
  revoked: 'stopped in the tenant app',
  ended_by_admin: 'ended by an admin',
  ended_by_user: 'ended by the user',
  ticket_replayed: 'ended: its ticket was replayed',
  expired: 'expired',
  admin_disabled: 'ended: the admin was disabled',
  user_disabled: 'ended: the user was disabled',
  admin_role_removed: "ended: the admin's roles no longer cover it",
  tenant_disabled: 'ended: the tenant was disabled',
  client_removed: 'ended: its tenant client was deleted',
  domain_removed: "ended: its domain was removed from the tenant",
};

const NOTICES: Record<string, string> = {
  ended: 'The session was ended. The tenant app is told at once (back-channel logout), or notices at its next check with Gatehouse.',
  already: 'That session had already ended.',
};

export function sessionRoutes(services: Services, sessions: ConsoleSessions) {
  const { store, audit, accounts } = services;
  const router = new Router({ prefix: '/admin/sessions' });

  /** Rows for the table, settling sessions that ran out (audited once as `expired`). */
  async function rows(list: ImpersonationSession[]) {
    const now = Date.now();
    const names = new Map<string, string>();
    const nameOf = async (id: string) => {
      if (!names.has(id)) {
        const account = id.startsWith('adm_') ? await accounts.admins.findById(id) : await accounts.users.findById(id);
        names.set(id, account ? `${account.name} (${account.email})` : id);
      }
      return names.get(id)!;
    };
    const out = [];
    for (const listed of list) {
      // One that ran out without anyone noticing is settled here (audited once as `expired`).
      const s = await settleListed(services.store, services.audit, listed, now);
      const active = isActive(s, now);
      out.push({
        sid: s.sid,
        admin: await nameOf(s.admin),
        user: await nameOf(s.user),
        tenant: s.tenant,
        audience: s.audience,
        host: URL.canParse(s.audience) ? new URL(s.audience).host : s.audience,
        reason: s.reason,
        started: utc(s.startedAt),
        active,
        status: active
          ? `active, ${humanDuration((s.expiresAt - now) / 1000)} left`
          : // Sessions last at most 8 h: the time of day after the start date is clear enough.
            `${ENDED[s.endReason ?? 'expired'] ?? s.endReason} at ${utc(s.endedAt ?? s.expiresAt).slice(11)}`,
        endedBy: s.endedBy && s.endedBy !== 'system' ? await nameOf(s.endedBy).catch(() => s.endedBy) : '',
        // What the admin did in the tenant app, as its RP kit reported it.
        activity: await activityLines(store, s.sid),
      });
    }
    return out;
  }

  router.get('/', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const tenants = coveredTenants(services, signedIn.admin);
    const tenantId = queryValue(ctx, 'tenant', 64);
    const tenant = tenantId ? tenants.find((t) => t.id === tenantId) : undefined;
    const notice = NOTICES[queryValue(ctx, 'done', 16) ?? ''];
    const base = { title: 'Impersonation sessions', tenants: tenants.map((t) => ({ id: t.id, name: t.name })), notice };
    if (tenantId && !tenant) {
      return consolePage(ctx, 'console/sessions', { ...base, error: 'Choose a tenant your roles cover.', sessions: [], heading: '' }, 403);
    }
    const everyTenant = services.tenancy.view().tenantIds;
    const list = await listSessions(store, tenant ? { tenant: tenant.id } : { admin: signedIn.admin.id, tenants: everyTenant }, SESSIONS_SHOWN);
    consolePage(ctx, 'console/sessions', {
      ...base,
      showAdmin: Boolean(tenant),
      selected: tenant?.id ?? '',
      heading: tenant ? `Sessions at ${tenant.name}` : 'Your sessions',
      sessions: await rows(list),
      returnTo: tenant ? `/admin/sessions?tenant=${tenant.id}` : '/admin/sessions',
    });
  });

  router.post('/:sid/end', parseForm, async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) {
      return consolePage(ctx, 'console/message', { title: 'End a session', error: 'Your session expired. Reload the page and try again.' }, 403);
    }
    const sid = ctx.params.sid ?? '';
    const session = SESSION_ID.test(sid) ? await findSession(store, sid) : null;
    const { admin } = signedIn;
    // An admin ends their own sessions, or any session at a tenant their roles cover.
    const allowed = session && (session.admin === admin.id || coveredTenants(services, admin).some((t) => t.id === session.tenant));
    if (!session || !allowed) {
      return consolePage(ctx, 'console/message', { title: 'End a session', error: 'There is no such session, or it is not yours to end.' }, 404);
    }
    const ended = await endAndAudit(store, audit, sid, 'ended_by_admin', admin.id, requestMeta(ctx), 'console');
    const back = field(ctx.request.body, 'return', 300);
    // Only back to the list it came from (no open redirect).
    const target = back && /^\/admin\/sessions(\?tenant=[a-z0-9-]{1,63})?$/.test(back) ? back : '/admin/sessions';
    ctx.status = 303;
    ctx.redirect(`${target}${target.includes('?') ? '&' : '?'}done=${ended ? 'ended' : 'already'}`);
  });

  return router;
}
