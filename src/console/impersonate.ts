/**
 * Starting an impersonation from the console (PROTOCOL §3 steps 1–3, §7): pick a tenant
 * and a user, give a reason (and the user's support access code where the tenant asks for
 * one), step up with a passkey when the session's is not fresh, then mint a ticket over
 * HTTP and hand it to the tenant's redeem_uri in an auto-submitting form.
 *
 * A form posted without a fresh step-up waits for it like every console action
 * (pending-action.ts) and is posted again after it. A fresh one is kept in the console
 * session for `/admin/impersonate/continue`, reached with a one-time nonce, so a
 * continuation (the mint) can only follow the admin's own CSRF-checked form.
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { User } from '../accounts/types.js';
import { approvalsNeeded, needsAnyApproval, openAccessRequest, stateAt } from '../approvals/index.js';
import type { TenantConfig } from '../config/schema.js';
import { field, parseForm } from '../http/body.js';
import { csrfValid } from '../http/csrf.js';
import { getConsent } from '../impersonation/access-codes.js';
import type { Services } from '../services.js';
import { checkFreeText, REASON_RULE } from '../text/free-text.js';
import { describeRefusal, mintTicket } from './mint-ticket.js';
import { mayManageUsersOf } from './rights.js';
import { consolePage, coveredTenants, humanDuration, queryValue, type ConsoleSessions, type SignedInAdmin, signedInAdmin } from './page.js';
import { followsStepUp, keepForStepUp, requireFreshStepUp } from './pending-action.js';
import { isSteppedUp } from './session.js';

/** Users per page in the search. */
export const USERS_PER_PAGE = 20;
/** How long a checked request may wait for its continuation (the mint) before it must be filled in again. */
const PENDING_TTL_MS = 10 * 60_000;

/** An impersonation request waiting in the console session (for a step-up, then the mint). */
export interface PendingImpersonation {
  tenant: string;
  /** The chosen user; absent when the access code alone names the user. */
  userId?: string;
  /** Kept server-side only until the mint, never logged or rendered back. */
  accessCode?: string;
  audience: string;
  reason: string;
  duration: number;
  /** One-time nonce of the continuation URL. */
  resume: string;
  createdAt: number;
  /** A step-up was just done for this request: a second step-up refusal is an error, not a loop. */
  steppedUp?: boolean;
}

export const continueUrl = (pending: PendingImpersonation) => `/admin/impersonate/continue?resume=${pending.resume}`;

/** The form fields that post this request again (after a step-up the token endpoint asked for). */
function formOf(pending: PendingImpersonation): [string, string][] {
  return [
    ['tenant', pending.tenant],
    ...(pending.userId ? [['user', pending.userId] as [string, string]] : []),
    ...(pending.accessCode ? [['access_code', pending.accessCode] as [string, string]] : []),
    ['audience', pending.audience],
    ['reason', pending.reason],
    ['duration', String(pending.duration)],
  ];
}

const START_LABEL = 'Start the support session';

/** Durations offered in the form: common ones up to the tenant's maximum, plus its default and maximum. */
export function durationChoices(tenant: TenantConfig): { seconds: number; label: string; selected: boolean }[] {
  const { maxSeconds, defaultSeconds } = tenant.impersonation;
  const candidates = new Set([15 * 60, 30 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600, defaultSeconds, maxSeconds]);
  return [...candidates]
    .filter((s) => s >= 60 && s <= maxSeconds)
    .sort((a, b) => a - b)
    .map((seconds) => ({ seconds, label: humanDuration(seconds), selected: seconds === defaultSeconds }));
}

interface Target {
  tenant: TenantConfig;
  user?: User;
}

interface FormValues {
  reason?: string;
  duration?: number;
  audience?: string;
}

export function impersonationRoutes(services: Services, sessions: ConsoleSessions) {
  const { config, accounts } = services;
  const router = new Router({ prefix: '/admin' });

  /** The tenant (covered by the admin's roles) and user a request is about, or an error. */
  async function target(signedIn: SignedInAdmin, userId: string | undefined, tenantId: string | undefined): Promise<Target | string> {
    const covered = coveredTenants(services, signedIn.admin);
    if (userId) {
      const user = userId.length <= 128 ? await accounts.users.findById(userId) : null;
      // One message for unknown and uncovered users: the console does not reveal who exists elsewhere.
      const tenant = user && covered.find((t) => t.id === user.tenant);
      if (!user || !tenant) return 'This user does not exist or is not in a tenant your roles cover.';
      if (user.disabled) return 'This account is disabled and cannot be impersonated.';
      return { tenant, user };
    }
    const tenant = covered.find((t) => t.id === tenantId);
    if (!tenant) return 'Choose a tenant your roles cover.';
    if (tenant.consent === 'none') return `${tenant.name} does not use support access codes: pick the user instead.`;
    return { tenant };
  }

  async function renderForm(ctx: Context, signedIn: SignedInAdmin, t: Target, values: FormValues = {}, error?: string, status = 200) {
    const { tenant, user } = t;
    const consent = tenant.consent === 'opt-in' && user ? await getConsent(services.store, user.id) : undefined;
    const durations = durationChoices(tenant).map((d) => ({ ...d, selected: values.duration ? d.seconds === values.duration : d.selected }));
    // PROTOCOL §5: consent mode `approval` and the two-person rule start with an access request.
    const needed = user ? approvalsNeeded(tenant, user) : null;
    const open = user && needed && needsAnyApproval(needed) ? await openAccessRequest(services.store, signedIn.admin.id, user.id) : null;
    const approval = needed && needsAnyApproval(needed) ? { ...needed, open: open && { id: open.id, state: stateAt(open, Date.now(), config.policy) } } : null;
    consolePage(
      ctx,
      'console/impersonate',
      {
        // A person's name goes in titleSubject, which the layout isolates (<bdi>, PROTOCOL §10.7).
        ...(user ? { title: 'Impersonate', titleSubject: user.name } : { title: 'Impersonate with a support access code' }),
        tenant: { id: tenant.id, name: tenant.name, consent: tenant.consent, domains: tenant.domains },
        user: user && { id: user.id, name: user.name, email: user.email, sensitive: user.sensitive },
        consent,
        // An opt-in tenant's user who has not opted in can still hand over a code.
        askCode: tenant.consent === 'access-code' || (tenant.consent === 'opt-in' && consent !== 'granted') || !user,
        requireCode: tenant.consent === 'access-code' || !user,
        durations,
        audience: values.audience ?? tenant.domains[0],
        reason: values.reason ?? '',
        steppedUp: isSteppedUp(signedIn.session, config.policy.stepUpMaxAge),
        approval,
        scopes: tenant.impersonation.scopes.join(' '),
        error,
      },
      status,
    );
  }

  router.get('/users', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const tenants = coveredTenants(services, signedIn.admin);
    const asked = queryValue(ctx, 'tenant', 64);
    const tenant = tenants.find((t) => t.id === (asked ?? tenants[0]?.id));
    const query = queryValue(ctx, 'q', 100)?.trim() ?? '';
    const pageNo = Math.min(Math.max(Number.parseInt(queryValue(ctx, 'page', 6) ?? '1', 10) || 1, 1), 100_000);
    const base = { title: 'Impersonate a user', tenants: tenants.map((t) => ({ id: t.id, name: t.name })), query };
    if (!tenant) {
      const error = tenants.length === 0 ? 'Your roles cover no tenant: you cannot impersonate anyone.' : 'Choose a tenant your roles cover.';
      return consolePage(ctx, 'console/users', { ...base, error, users: [], tenant: null }, asked ? 403 : 200);
    }
    const { items, total } = await accounts.users.list(tenant.id, { query, limit: USERS_PER_PAGE, offset: (pageNo - 1) * USERS_PER_PAGE });
    const link = (p: number) => `/admin/users?${new URLSearchParams({ tenant: tenant.id, ...(query ? { q: query } : {}), page: String(p) })}`;
    const first = total === 0 ? 0 : (pageNo - 1) * USERS_PER_PAGE + 1;
    const done = queryValue(ctx, 'done', 16);
    consolePage(ctx, 'console/users', {
      ...base,
      mayManage: mayManageUsersOf(services.tenancy.view(), signedIn.admin, tenant.id),
      notice: done === 'disabled' ? 'The user was disabled: their sessions and outstanding tickets ended.' : done === 'enabled' ? 'The user was enabled.' : undefined,
      tenant: { id: tenant.id, name: tenant.name, consent: tenant.consent },
      users: items.map((u) => ({ id: u.id, name: u.name, email: u.email, sensitive: u.sensitive, disabled: u.disabled })),
      range: { first, last: first === 0 ? 0 : first + items.length - 1, total },
      previous: pageNo > 1 ? link(pageNo - 1) : null,
      next: pageNo * USERS_PER_PAGE < total ? link(pageNo + 1) : null,
    });
  });

  router.get('/impersonate', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const t = await target(signedIn, queryValue(ctx, 'user', 128), queryValue(ctx, 'tenant', 64));
    if (typeof t === 'string') return consolePage(ctx, 'console/message', { title: 'Impersonate a user', error: t }, 404);
    await renderForm(ctx, signedIn, t);
  });

  router.post('/impersonate', parseForm, async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const body = ctx.request.body;
    if (!csrfValid(ctx, field(body, 'csrf'))) {
      return consolePage(ctx, 'console/message', { title: 'Impersonate a user', error: 'Your session expired. Reload the page and try again.' }, 403);
    }
    const t = await target(signedIn, field(body, 'user', 128) || undefined, field(body, 'tenant', 64));
    if (typeof t === 'string') return consolePage(ctx, 'console/message', { title: 'Impersonate a user', error: t }, 404);
    // The form's textarea wraps long reasons; line breaks typed into it become spaces (a reason is one line).
    const reason = field(body, 'reason', 2000)?.replace(/[\r\n\t]+/g, ' ').trim() ?? '';
    const accessCode = field(body, 'access_code', 64)?.trim() || undefined;
    const durationText = field(body, 'duration', 6);
    const duration = durationText && /^\d+$/.test(durationText) ? Number(durationText) : t.tenant.impersonation.defaultSeconds;
    const audience = field(body, 'audience', 2048) ?? t.tenant.domains[0]!;
    const values = { reason, duration, audience };
    // Checks the admin can fix before a step-up; Gatehouse decides everything else at the mint.
    const checked = checkFreeText(reason, REASON_RULE);
    if (!checked.ok) {
      const why = checked.problem === 'too_short' || checked.problem === 'too_long' ? 'Give a reason of 3 to 500 characters' : `Retype the reason: ${checked.message}`;
      return renderForm(ctx, signedIn, t, values, `${why}: a ticket number and what you are looking into.`, 400);
    }
    if (!t.tenant.domains.includes(audience)) return renderForm(ctx, signedIn, t, values, `Choose one of ${t.tenant.name}'s domains.`, 400);
    if (duration < 60 || duration > t.tenant.impersonation.maxSeconds) {
      return renderForm(ctx, signedIn, t, values, `Choose a duration of at most ${humanDuration(t.tenant.impersonation.maxSeconds)}.`, 400);
    }
    if (!accessCode && (t.tenant.consent === 'access-code' || !t.user)) {
      return renderForm(ctx, signedIn, t, values, `${t.tenant.name} requires a support access code: ask the user to create one on their account page.`, 400);
    }
    // PROTOCOL §3 step 1: a fresh passkey step-up first; after it this form is posted again.
    if (!(await requireFreshStepUp(ctx, services, sessions, signedIn, START_LABEL))) return;
    const pending: PendingImpersonation = {
      tenant: t.tenant.id,
      ...(t.user && !accessCode ? { userId: t.user.id } : {}),
      ...(accessCode ? { accessCode } : {}),
      audience,
      reason,
      duration,
      resume: randomBytes(24).toString('base64url'),
      createdAt: Date.now(),
      ...(followsStepUp(ctx) ? { steppedUp: true } : {}),
    };
    await sessions.update(ctx, { ...signedIn.session, impersonation: pending });
    ctx.status = 303;
    ctx.redirect(continueUrl(pending));
  });

  router.get('/impersonate/continue', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const { session } = signedIn;
    const pending = session.impersonation;
    const fresh = pending && queryValue(ctx, 'resume', 64) === pending.resume && Date.now() - pending.createdAt <= PENDING_TTL_MS;
    if (!pending || !fresh) {
      // Back button, reload, or a stale link: the ticket (if any) was handed over once already.
      return consolePage(
        ctx,
        'console/message',
        { title: 'Support link already used', error: 'This support link was already used or has expired. Start a new impersonation from the console.', link: { href: '/admin/users', text: 'Impersonate a user' } },
        410,
      );
    }
    // One continuation per request: forget it before anything else can happen.
    const { impersonation: _done, ...rest } = session;
    await sessions.update(ctx, rest);

    const tenant = services.tenancy.view().tenant(pending.tenant);
    // Disabled (or gone) since the form was filled in: nothing to deliver to.
    if (!tenant) return consolePage(ctx, 'console/message', { title: 'Impersonate', error: 'This tenant is no longer available.' }, 409);
    const user = pending.userId ? await accounts.users.findById(pending.userId) : null;
    const result = await mintTicket(config, {
      actorToken: session.accessToken ?? '',
      subject: pending.accessCode ? { accessCode: pending.accessCode } : { userId: pending.userId ?? '' },
      audience: pending.audience,
      reason: pending.reason,
      duration: pending.duration,
    });
    if (!result.ok) {
      ctx.state.log?.info({ error: result.error, status: result.status }, 'console mint refused');
      // RFC 9470: the token endpoint asks for a fresher authentication; once, go and get it.
      if (result.acrValues && !pending.steppedUp) {
        return keepForStepUp(ctx, sessions, { ...signedIn, session: rest }, { path: '/admin/impersonate', fields: formOf(pending), label: START_LABEL });
      }
      const { status, message } = describeRefusal(result);
      const values = { reason: pending.reason, duration: pending.duration, audience: pending.audience };
      return renderForm(ctx, signedIn, { tenant, ...(user ? { user } : {}) }, values, message, status);
    }
    // PROTOCOL §3 step 3: the ticket leaves in a form post (or, for `query` tenants, a GET).
    ctx.set('Referrer-Policy', 'no-referrer');
    const query = tenant.ticketDelivery === 'query';
    consolePage(ctx, 'console/deliver', {
      title: 'Starting the support session',
      method: query ? 'get' : 'post',
      fieldName: query ? 'token' : 'ticket',
      ticket: result.ticket,
      redeemUri: result.redeemUri,
      expiresIn: result.expiresIn,
      who: user ? `${user.name} (${user.email})` : 'the user who created the access code',
      tenantName: tenant.name,
      origin: pending.audience,
      duration: humanDuration(pending.duration),
    });
  });

  return router;
}
