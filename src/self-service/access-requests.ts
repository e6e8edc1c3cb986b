/**
 * Access requests on /account (PROTOCOL §5 consent mode `approval`, §7): the user sees the
 * requests support filed to act as them — and a tenant's configured approvers see every
 * request for a user of their tenant — and approves or denies each. A user who has a
 * passkey approves with it (a user-verified WebAuthn assertion bound to that request);
 * a password session alone approves only for users without one.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { User } from '../accounts/types.js';
import { type AccessRequest, ApprovalError, accessRequests, mayDecideForCustomer } from '../approvals/index.js';
import { parseForm } from '../http/body.js';
import { refusePasskey, requestMeta, requireCsrfHeader } from '../http/passkey-ceremony.js';
import type { Services } from '../services.js';
import { accountSessions } from './session.js';

const SHOWN = 20;

const utc = (ms: number | undefined) => (ms ? `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC` : '');
const minutes = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h${s % 3600 ? ` ${Math.round((s % 3600) / 60)} min` : ''}` : `${Math.round(s / 60)} min`);

const STATE_TEXT: Record<AccessRequest['state'], string> = {
  pending: 'Waiting for an answer',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
  used: 'Approved and used',
};

/** The requests this user sees on /account: their own, and (approvers) their tenant's. */
export async function accessRequestSummary(services: Services, user: User) {
  const tenant = services.tenancy.view().tenant(user.tenant);
  if (!tenant) return null;
  const requests = accessRequests({ store: services.store, audit: services.audit, policy: services.config.policy });
  const approver = tenant.approvers.includes(user.email.toLowerCase());
  const own = await requests.list({ user: user.id }, SHOWN);
  const others = approver ? (await requests.list({ tenant: tenant.id }, SHOWN)).filter((r) => r.user !== user.id) : [];
  const all = [...own, ...others].filter((r) => r.needsUser).sort((a, b) => b.createdAt - a.createdAt);
  if (all.length === 0 && tenant.consent !== 'approval') return null;
  const hasPasskey = (await services.passkeys.count('user', user.id)) > 0;
  return {
    approver,
    hasPasskey,
    requests: all.map((r) => ({
      id: r.id,
      state: r.state,
      text: STATE_TEXT[r.state],
      forMe: r.user === user.id,
      user: r.userName ? `${r.userName} (${r.userEmail})` : r.user,
      admin: r.adminName ?? 'A support agent',
      reason: r.reason,
      duration: minutes(r.duration),
      scope: r.scope.join(' '),
      filed: utc(r.createdAt),
      expires: utc(r.expiresAt),
      // The user's side may answer once, while the request waits.
      answerable: r.state === 'pending' && !r.userDecision,
      waitsForSecondAdmin: r.state === 'pending' && r.needsSecondAdmin && !r.secondDecision,
    })),
  };
}

export function accessRequestAccountRoutes(services: Services) {
  const { config, passkeys } = services;
  const sessions = accountSessions(services);
  const requests = accessRequests({ store: services.store, audit: services.audit, policy: config.policy });
  const router = new Router({ prefix: '/account/access-requests' });
  const binding = (id: string) => `access-request:${id}`;

  /** The request, when this user may decide it (theirs, or their tenant's as an approver). */
  async function decidable(ctx: Context, user: User, id: string): Promise<AccessRequest> {
    const request = await requests.find(id, requestMeta(ctx));
    const tenant = services.tenancy.view().tenant(user.tenant);
    // One answer for "unknown" and "not yours": a user of another tenant learns nothing.
    if (!request || !mayDecideForCustomer(request, user, tenant)) throw new ApprovalError('not_an_approver');
    if (!request.needsUser) throw new ApprovalError('user_decision_not_needed');
    return request;
  }

  function refuse(ctx: Context, err: unknown) {
    if (!(err instanceof ApprovalError)) throw err;
    ctx.status = err.status;
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = { error: err.code, error_description: err.message };
      return;
    }
    ctx.type = 'text';
    ctx.body = err.message;
  }


  // A denial needs no passkey: refusing access can never widen it.
  router.post('/:id/deny', parseForm, async (ctx) => {
    const user = await sessions.formUser(ctx);
    if (!user) return;
    try {
      const request = await decidable(ctx, user, ctx.params.id ?? '');
      await requests.decide(request, 'customer', { decision: 'denied', by: user.id, with: 'session' }, requestMeta(ctx));
      ctx.status = 303;
      ctx.redirect('/account?done=request-denied');
    } catch (err) {
      refuse(ctx, err);
    }
  });

  // Approval with the session alone: only for a user who has no passkey to approve with.
  router.post('/:id/approve', parseForm, async (ctx) => {
    const user = await sessions.formUser(ctx);
    if (!user) return;
    try {
      const request = await decidable(ctx, user, ctx.params.id ?? '');
      if ((await passkeys.count('user', user.id)) > 0) throw new ApprovalError('passkey_required');
      await requests.decide(request, 'customer', { decision: 'approved', by: user.id, with: 'session' }, requestMeta(ctx));
      ctx.status = 303;
      ctx.redirect('/account?done=request-approved');
    } catch (err) {
      refuse(ctx, err);
    }
  });

  // Approval with a passkey: a user-verified assertion whose challenge is bound to this request.
  router.post('/:id/approve/options', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const signedIn = await sessions.current(ctx);
    if (!signedIn) return ctx.throw(401, 'You are signed out. Sign in again.');
    try {
      const request = await decidable(ctx, signedIn.user, ctx.params.id ?? '');
      ctx.body = await passkeys.startAuthentication({ purpose: 'stepup', binding: binding(request.id), accountId: signedIn.user.id });
    } catch (err) {
      if (err instanceof ApprovalError) return refuse(ctx, err);
      await refusePasskey(services, ctx, err);
    }
  });

  router.post('/:id/approve/verify', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const signedIn = await sessions.current(ctx);
    if (!signedIn) return ctx.throw(401, 'You are signed out. Sign in again.');
    const body = ctx.request.body as { handle?: unknown; response?: unknown };
    const id = ctx.params.id ?? '';
    try {
      await passkeys.finishAuthentication({
        purpose: 'stepup',
        binding: binding(id),
        handle: body.handle,
        response: body.response,
        accept: (p) => p.accountKind === 'user' && p.accountId === signedIn.user.id,
      });
      const request = await decidable(ctx, signedIn.user, id);
      await requests.decide(request, 'customer', { decision: 'approved', by: signedIn.user.id, with: 'passkey' }, requestMeta(ctx));
      ctx.body = { redirectTo: '/account?done=request-approved' };
    } catch (err) {
      if (err instanceof ApprovalError) return refuse(ctx, err);
      await refusePasskey(services, ctx, err);
    }
  });

  return router;
}
