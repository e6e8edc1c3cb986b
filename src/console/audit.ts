/**
 * The audit log in the console (PROTOCOL §6, §7): every decision, newest first, filtered
 * by tenant, admin, user, event type and time, one page at a time — of the tenants the
 * admin's roles cover only, and the system log's only for a `*` role (PROTOCOL §10.6).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Admin } from '../accounts/types.js';
import { type AuditFilter, auditEventTypes, isAuditEventType, SYSTEM_LOG } from '../audit/index.js';
import { coversTenant, rolesOf } from '../impersonation/policy.js';
import type { Services } from '../services.js';
import { consolePage, coveredTenants, queryValue, signedInAdmin, type ConsoleSessions } from './page.js';

export const AUDIT_PAGE_SIZE = 50;

/** `2026-05-01T10:00` (a datetime-local field, read as UTC) or a full ISO date. */
function parseTime(value: string | undefined, endOfMinute: boolean): Date | undefined | null {
  if (!value) return undefined;
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value);
  const time = Date.parse(local ? `${value}Z` : value);
  if (!Number.isFinite(time)) return null;
  // A "to" minute includes the whole minute.
  return new Date(local && endOfMinute && value.length === 16 ? time + 59_999 : time);
}

/** The logs an admin may read: covered tenants' (disabled ones' too), and the system log with a `*` role. */
export function readableLogs(services: Services, admin: Pick<Admin, 'roles'>): string[] {
  const { roles, tenantIds } = services.tenancy.view();
  const mine = rolesOf(admin.roles, roles);
  const all = mine.some((r) => r.tenants === '*');
  return [...tenantIds.filter((id) => mine.some((r) => coversTenant(r, id))), ...(all ? [SYSTEM_LOG] : [])];
}

export function auditRoutes(services: Services, sessions: ConsoleSessions) {
  const { accounts } = services;
  const router = new Router({ prefix: '/admin/audit' });

  /** The filter from the query string; an admin or user may be given by email. */
  async function filterOf(ctx: Context, logs: readonly string[]): Promise<{ filter: AuditFilter; form: Record<string, string>; error?: string; forbidden?: boolean }> {
    const form = {
      tenant: queryValue(ctx, 'tenant', 64) ?? '',
      admin: queryValue(ctx, 'admin', 320)?.trim() ?? '',
      user: queryValue(ctx, 'user', 320)?.trim() ?? '',
      type: queryValue(ctx, 'type', 64) ?? '',
      from: queryValue(ctx, 'from', 40) ?? '',
      to: queryValue(ctx, 'to', 40) ?? '',
    };
    const filter: AuditFilter = { logs };
    const errors: string[] = [];
    if (form.tenant) {
      if (!services.tenancy.view().tenantIds.includes(form.tenant) && form.tenant !== SYSTEM_LOG) errors.push('Unknown tenant.');
      else if (!logs.includes(form.tenant)) return { filter, form, forbidden: true, error: 'Your roles do not cover that tenant.' };
      else filter.tenant = form.tenant;
    }
    if (form.type) {
      if (isAuditEventType(form.type)) filter.type = form.type;
      else errors.push('Unknown event type.');
    }
    if (form.admin) {
      const admin = form.admin.includes('@') ? await accounts.admins.findByEmail(form.admin) : null;
      filter.admin = admin?.id ?? form.admin;
    }
    if (form.user) {
      if (form.user.includes('@')) {
        const user = form.tenant ? await accounts.users.findByEmail(form.tenant, form.user) : null;
        if (!form.tenant) errors.push('Choose the tenant to look a user up by email (or give the user id).');
        filter.user = user?.id ?? form.user;
      } else {
        filter.user = form.user;
      }
    }
    const from = parseTime(form.from, false);
    const to = parseTime(form.to, true);
    if (from === null || to === null) errors.push('Give times as YYYY-MM-DDTHH:MM (UTC).');
    if (from) filter.from = from;
    if (to) filter.to = to;
    return { filter, form, ...(errors.length ? { error: errors.join(' ') } : {}) };
  }

  router.get('/', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const logs = readableLogs(services, signedIn.admin);
    const { filter, form, error, forbidden } = await filterOf(ctx, logs);
    const limit = Math.min(Math.max(Number.parseInt(queryValue(ctx, 'limit', 4) ?? '', 10) || AUDIT_PAGE_SIZE, 1), 200);
    // The cursor names a position in each log the page reads.
    const before = queryValue(ctx, 'before', 4096);
    const base = {
      title: 'Audit log',
      form,
      tenants: [
        ...coveredTenants(services, signedIn.admin).map((t) => ({ id: t.id, name: t.name })),
        ...(logs.includes(SYSTEM_LOG) ? [{ id: SYSTEM_LOG, name: 'System (no tenant)' }] : []),
      ],
      types: auditEventTypes,
    };
    if (error) return consolePage(ctx, 'console/audit', { ...base, error, events: [], next: null, newest: null }, forbidden ? 403 : 400);
    const page = await services.audit.list(filter, { limit, ...(before ? { before } : {}) });
    const names = new Map<string, string>();
    const emailOf = async (id: string | undefined) => {
      if (!id) return '';
      if (!names.has(id)) {
        const account = id.startsWith('adm_') ? await accounts.admins.findById(id) : await accounts.users.findById(id);
        names.set(id, account?.email ?? id);
      }
      return names.get(id)!;
    };
    const events = [];
    for (const e of page.events) {
      events.push({
        id: e.id,
        time: e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
        type: e.type,
        outcome: e.outcome,
        admin: await emailOf(e.admin),
        user: await emailOf(e.user),
        tenant: e.tenant ?? '',
        client: e.client ?? '',
        code: e.code ?? '',
        reason: e.reason ?? '',
        sid: e.sid ?? '',
        requestId: e.requestId ?? '',
      });
    }
    const query = Object.fromEntries(Object.entries(form).filter(([, v]) => v !== ''));
    if (limit !== AUDIT_PAGE_SIZE) query.limit = String(limit);
    const link = (extra: Record<string, string>) => `/admin/audit?${new URLSearchParams({ ...query, ...extra })}`;
    consolePage(ctx, 'console/audit', {
      ...base,
      events,
      next: page.next ? link({ before: page.next }) : null,
      newest: before ? link({}) : null,
    });
  });

  return router;
}
