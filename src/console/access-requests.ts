/**
 * Access requests in the console (PROTOCOL §5, §7): the admin files one for a user of a
 * tenant in consent mode `approval` or under the two-person rule, watches its state (the
 * page polls a small JSON endpoint through static/access-request.js: the CSP allows no
 * inline script), and starts the session once approved. A second admin — another person,
 * covering the tenant, freshly stepped up — approves or denies requests that need one.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Admin } from '../accounts/types.js';
import { type AccessRequest, ApprovalError, accessRequests, approvalsNeeded, assertMayApproveAsSecondAdmin, needsAnyApproval, type RequestMeta } from '../approvals/index.js';
import type { TenantConfig } from '../config/schema.js';
import { field, parseForm } from '../http/body.js';
import { csrfValid } from '../http/csrf.js';
import { requestMeta } from '../http/passkey-ceremony.js';
import { coversTenant, mayImpersonate, rolesOf } from '../impersonation/policy.js';
import type { Services } from '../services.js';
import { checkFreeText, REASON_RULE } from '../text/free-text.js';
import { type ConsoleSessions, consolePage, coveredTenants, humanDuration, type SignedInAdmin, signedInAdmin, utc } from './page.js';
import { stepUpFirst } from './pending-action.js';
import { isSteppedUp } from './session.js';

const SHOWN = 50;

/** How a state reads in the console. */
export const STATE_TEXT: Record<AccessRequest['state'], string> = {
  pending: 'Waiting for approval',
  approved: 'Approved: you may start one session',
  denied: 'Denied',
  expired: 'Expired',
  used: 'Used: the session was started',
};

function waitingFor(r: AccessRequest): string[] {
  if (r.state !== 'pending') return [];
  return [...(r.needsUser && !r.userDecision ? ['the user (or an approver of the tenant)'] : []), ...(r.needsSecondAdmin && !r.secondDecision ? ['a second admin'] : [])];
}

/** The JSON the console page polls: the state and what it waits for, nothing else. */
export function requestStateJson(r: AccessRequest) {
  return { id: r.id, state: r.state, text: STATE_TEXT[r.state], waitingFor: waitingFor(r) };
}

export function accessRequestRoutes(services: Services, sessions: ConsoleSessions) {
  const { config, accounts } = services;
  const requests = accessRequests({ store: services.store, audit: services.audit, policy: config.policy });
  const router = new Router({ prefix: '/admin/access-requests' });
  const meta = (ctx: Context): RequestMeta => requestMeta(ctx);

  const covers = (admin: Admin, tenant: string) => rolesOf(admin.roles, services.tenancy.view().roles).some((r) => coversTenant(r, tenant));

  /** A request the admin may see (their roles cover its tenant), settled as of now; else null. */
  async function visible(ctx: Context, admin: Admin, id: string): Promise<AccessRequest | null> {
    const request = await requests.find(id, meta(ctx));
    return request && covers(admin, request.tenant) ? request : null;
  }

  function refuse(ctx: Context, err: unknown, title = 'Access request') {
    if (!(err instanceof ApprovalError)) throw err;
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.status = err.status;
      ctx.body = { error: err.code, error_description: err.message };
      return;
    }
    consolePage(ctx, 'console/message', { title, error: err.message, code: err.code, link: { href: '/admin/access-requests', text: 'Access requests' } }, err.status);
  }

  /** The request's time that matters now, named for its state: an approved one is not "unanswered". */
  function when(r: AccessRequest): { label: string; value: string } {
    const windowEnd = (r.approvedAt ?? 0) + config.policy.approvalWindow * 1000;
    switch (r.state) {
      case 'pending':
        return { label: 'Unanswered, expires', value: utc(r.expiresAt) };
      case 'approved':
        return { label: 'Approved', value: `${utc(r.approvedAt)}; start the session by ${utc(windowEnd)}` };
      case 'used':
        return { label: 'Used', value: utc(r.usedAt) };
      case 'denied':
        return { label: 'Denied', value: utc(r.secondDecision === 'denied' ? r.secondDecidedAt : r.userDecidedAt) };
      case 'expired':
        return { label: 'Expired', value: r.approvedAt ? `${utc(windowEnd)}, approved but not used` : `${utc(r.expiresAt)}, unanswered` };
    }
  }

  async function row(r: AccessRequest, viewer: SignedInAdmin) {
    const tenant = services.tenancy.view().tenant(r.tenant);
    const secondAdmin = r.secondAdmin ? await accounts.admins.findById(r.secondAdmin) : null;
    return {
      ...requestStateJson(r),
      tenant: tenant?.name ?? r.tenant,
      user: r.userName ? `${r.userName} (${r.userEmail})` : r.user,
      admin: r.adminName ?? r.admin,
      mine: r.admin === viewer.admin.id,
      reason: r.reason,
      duration: humanDuration(r.duration),
      scope: r.scope.join(' '),
      created: utc(r.createdAt),
      expires: utc(r.expiresAt),
      when: when(r),
      needsUser: r.needsUser,
      needsSecondAdmin: r.needsSecondAdmin,
      userDecision: r.userDecision,
      secondDecision: r.secondDecision,
      secondAdmin: secondAdmin?.name ?? r.secondAdmin,
      // Another admin's request that waits for a second admin: this one may answer it.
      maySecondApprove: r.state === 'pending' && r.needsSecondAdmin && !r.secondDecision && r.admin !== viewer.admin.id,
      // The filer's own approved request: start the session (the mint uses it up).
      start: r.state === 'approved' && r.admin === viewer.admin.id ? { userId: r.user, tenant: r.tenant, reason: r.reason, duration: r.duration, audience: tenant?.domains[0] } : null,
    };
  }

  router.get('/', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const lists = await Promise.all(coveredTenants(services, signedIn.admin).map((t) => requests.list({ tenant: t.id }, SHOWN)));
    const all = lists.flat().sort((a, b) => b.createdAt - a.createdAt).slice(0, SHOWN);
    consolePage(ctx, 'console/access-requests', { title: 'Access requests', requests: await Promise.all(all.map((r) => row(r, signedIn))) });
  });

  // Filing (PROTOCOL §5): user, reason, duration, scope; the tenant's policy bounds each.
  router.post('/', parseForm, async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const body = ctx.request.body;
    if (!csrfValid(ctx, field(body, 'csrf'))) return consolePage(ctx, 'console/message', { title: 'Access request', error: 'Your session expired. Reload the page and try again.' }, 403);
    const userId = field(body, 'user', 128) ?? '';
    const user = userId ? await accounts.users.findById(userId) : null;
    const tenant: TenantConfig | undefined = user ? coveredTenants(services, signedIn.admin).find((t) => t.id === user.tenant) : undefined;
    if (!user || !tenant || user.disabled) {
      return consolePage(ctx, 'console/message', { title: 'Access request', error: 'This user does not exist, is disabled, or is not in a tenant your roles cover.' }, 404);
    }
    // A request the filer could never use (a sensitive user, no role allowing it) is not filed.
    if (!mayImpersonate(signedIn.admin.roles, services.tenancy.view().roles, tenant.id, user.sensitive)) {
      return consolePage(ctx, 'console/message', { title: 'Access request', error: 'Not allowed: this user is marked sensitive and no role of yours allows it.' }, 403);
    }
    const needed = approvalsNeeded(tenant, user);
    if (!needsAnyApproval(needed)) return refuse(ctx, new ApprovalError('not_needed'));
    const reason = field(body, 'reason', 2000)?.replace(/[\r\n\t]+/g, ' ').trim() ?? '';
    const checked = checkFreeText(reason, REASON_RULE);
    const durationText = field(body, 'duration', 6);
    const duration = durationText && /^\d+$/.test(durationText) ? Number(durationText) : tenant.impersonation.defaultSeconds;
    const scopeText = field(body, 'scope', 500)?.trim();
    const scope = scopeText ? [...new Set(scopeText.split(/\s+/))] : [...tenant.impersonation.scopes];
    const problem = !checked.ok
      ? `Give a reason of 3 to 500 characters: ${checked.message}`
      : duration < 60 || duration > tenant.impersonation.maxSeconds
        ? `Choose a duration of at most ${humanDuration(tenant.impersonation.maxSeconds)}.`
        : scope.some((s) => !tenant.impersonation.scopes.includes(s))
          ? `Scope must be among: ${tenant.impersonation.scopes.join(' ')}.`
          : null;
    if (problem || !checked.ok) return consolePage(ctx, 'console/message', { title: 'Access request', error: problem }, 400);
    try {
      const request = await requests.file(
        {
          tenant: tenant.id,
          user: user.id,
          admin: signedIn.admin.id,
          reason: checked.text,
          duration,
          scope,
          ...needed,
          adminEmail: signedIn.admin.email,
          adminName: signedIn.admin.name,
          userEmail: user.email,
          userName: user.name,
        },
        meta(ctx),
      );
      ctx.status = 303;
      ctx.redirect(`/admin/access-requests/${request.id}`);
    } catch (err) {
      refuse(ctx, err);
    }
  });

  router.get('/:id', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const request = await visible(ctx, signedIn.admin, ctx.params.id ?? '');
    if (!request) return refuse(ctx, new ApprovalError('request_unknown'));
    consolePage(ctx, 'console/access-request', {
      title: 'Access request',
      request: await row(request, signedIn),
      steppedUp: isSteppedUp(signedIn.session, config.policy.stepUpMaxAge),
    });
  });

  // What static/access-request.js polls: the state only, for admins who may see the request.
  router.get('/:id/state', async (ctx) => {
    const signedIn = await sessions.current(ctx);
    if (!signedIn) {
      ctx.status = 401;
      ctx.body = { error: 'signed_out' };
      return;
    }
    const request = await visible(ctx, signedIn.admin, ctx.params.id ?? '');
    ctx.set('Cache-Control', 'no-store');
    if (!request) {
      ctx.status = 404;
      ctx.body = { error: 'request_unknown' };
      return;
    }
    ctx.body = requestStateJson(request);
  });

  // The two-person rule: a second admin answers.
  for (const decision of ['approve', 'deny'] as const) {
    router.post(`/:id/${decision}`, parseForm, async (ctx) => {
      const signedIn = await signedInAdmin(ctx, sessions);
      if (!signedIn) return;
      if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) return consolePage(ctx, 'console/message', { title: 'Access request', error: 'Your session expired. Reload the page and try again.' }, 403);
      const id = ctx.params.id ?? '';
      try {
        const request = await requests.find(id, meta(ctx));
        if (!request) throw new ApprovalError('request_unknown');
        assertMayApproveAsSecondAdmin(request, signedIn.admin, services.tenancy.view().roles, isSteppedUp(signedIn.session, config.policy.stepUpMaxAge));
        await requests.decide(request, 'second', { decision: decision === 'approve' ? 'approved' : 'denied', by: signedIn.admin.id }, meta(ctx));
        ctx.status = 303;
        ctx.redirect(`/admin/access-requests/${request.id}`);
      } catch (err) {
        // Through the step-up and back, where the same answer is posted again (pending-action.ts).
        if (err instanceof ApprovalError && err.code === 'approver_not_stepped_up' && ctx.accepts('html', 'json') !== 'json') {
          return stepUpFirst(ctx, sessions, signedIn, decision === 'approve' ? 'Approve the access request' : 'Deny the access request');
        }
        refuse(ctx, err);
      }
    });
  }

  return router;
}
