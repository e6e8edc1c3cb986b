/**
 * What every console page shares: the navigation, the no-store HTML answer with a CSRF
 * token, the signed-in admin (or a redirect to sign in), and small display helpers.
 */
import type { Context } from 'koa';
import type { Admin } from '../accounts/types.js';
import type { TenantConfig } from '../config/schema.js';
import { csrfToken } from '../http/csrf.js';
import { render } from '../http/render.js';
import { coversTenant, rolesOf } from '../impersonation/policy.js';
import type { Services } from '../services.js';
import type { ConsoleSession, consoleSessions } from './session.js';

export type ConsoleSessions = ReturnType<typeof consoleSessions>;

export const CONSOLE_NAV = [
  '<a href="/admin">Console</a>',
  '<a href="/admin/users">Impersonate</a>',
  '<a href="/admin/access-requests">Access requests</a>',
  '<a href="/admin/sessions">Sessions</a>',
  '<a href="/admin/audit">Audit log</a>',
  '<a href="/admin/notifications">Notifications</a>',
  '<a href="/admin/passkeys">Passkeys</a>',
  '<a href="/admin/admins">Admins</a>',
].join('');

/**
 * The navigation for this request: with Tenants when the signed-in admin's roles may manage
 * them (`manageTenants`; the console session marks it when it finds the admin).
 */
export function consoleNav(ctx: Context): string {
  return ctx.state.consoleManagesTenants === true ? `${CONSOLE_NAV}<a href="/admin/tenants">Tenants</a>` : CONSOLE_NAV;
}

/** Renders a console view: never cached (it shows tokens' consequences and personal data). */
export function consolePage(ctx: Context, view: string, data: Record<string, unknown> & { title: string }, status = 200) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = render(view, { nav: consoleNav(ctx), csrf: csrfToken(ctx), ...data });
}

export interface SignedInAdmin {
  session: ConsoleSession;
  admin: Admin;
}

/** The signed-in admin, or null after sending the browser to the console's front page. */
export async function signedInAdmin(ctx: Context, sessions: ConsoleSessions): Promise<SignedInAdmin | null> {
  const signedIn = await sessions.current(ctx);
  if (!signedIn) {
    ctx.status = 303;
    ctx.redirect('/admin');
    return null;
  }
  return signedIn;
}

/** Enabled tenants whose users this admin's roles allow impersonating (PROTOCOL §5), as the runtime view has them now. */
export function coveredTenants(services: Services, admin: Pick<Admin, 'roles'>): TenantConfig[] {
  const view = services.tenancy.view();
  const roles = rolesOf(admin.roles, view.roles);
  return view.tenants.filter((t) => roles.some((r) => coversTenant(r, t.id)));
}

/** `2026-05-01 10:04 UTC`. */
export function utc(ms: number | undefined): string {
  return ms ? `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC` : '';
}

/** `1 h 30 min`, `12 min`, `45 s`. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** One query-string value (repeated or absent: undefined), bounded in length. */
export function queryValue(ctx: Context, name: string, maxLength = 200): string | undefined {
  const value = ctx.query[name];
  return typeof value === 'string' && value.length <= maxLength ? value : undefined;
}
