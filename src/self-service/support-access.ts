/**
 * Support access on a user's own account page (PROTOCOL §5 consent, §7 /account): the
 * opt-in setting (tenants with `consent: opt-in`), support access codes (shown once,
 * never logged), and the user's support sessions with a way to end an active one.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { User } from '../accounts/types.js';
import { activityLines } from '../activity/index.js';
import { field, parseForm } from '../http/body.js';
import { csrfToken } from '../http/csrf.js';
import { requestMeta } from '../http/passkey-ceremony.js';
import { render } from '../http/render.js';
import { createAccessCode, getConsent, setConsent, takeAccessCode } from '../impersonation/access-codes.js';
import { endAndAudit } from '../impersonation/end.js';
import { findSession, isActive, listSessions, SESSION_ID } from '../impersonation/sessions.js';
import { settleListed } from '../impersonation/end.js';
import type { Services } from '../services.js';
import type { EndReason } from '../impersonation/sessions.js';
import { accountSessions } from './session.js';

const SESSIONS_SHOWN = 50;

/** How a session ended, as the user reads it. */
const ENDED: Record<EndReason, string> = {
  revoked: 'Stopped by the support agent in the app',
  ended_by_admin: 'Ended by support',
  ended_by_user: 'Ended by you',
  ticket_replayed: 'Ended by Gatehouse (a security check failed)',
  expired: 'Expired',
  admin_disabled: "Ended: the support agent's account was disabled",
  user_disabled: 'Ended: your account was disabled',
  admin_role_removed: 'Ended: the support agent may no longer help your organisation',
  tenant_disabled: 'Ended: your organisation was disabled',
  client_removed: 'Ended: the app it ran in was removed',
  domain_removed: "Ended: the address it ran on was removed from your organisation",
};

const NOTICES: Record<string, string> = {
  'consent-granted': 'Support staff may now sign in to your account when you ask them for help.',
  'consent-denied': 'Support staff can no longer sign in to your account without a support access code from you.',
  ended: 'The support session was ended. The support agent has been signed out of your account.',
  already: 'That support session had already ended.',
  'request-approved': 'You approved the access request. The support agent may start one session, for the time you approved.',
  'request-denied': 'You denied the access request. Support cannot sign in to the account with it.',
};

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
const minutesLeft = (ms: number) => {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
};

/** What /account shows about support access for this user (rendered by the home page). */
export async function supportAccessSummary(services: Services, user: User, ctx: Context) {
  const { config, store, accounts } = services;
  const tenant = services.tenancy.view().tenant(user.tenant);
  const consentMode = tenant?.consent ?? 'none';
  const now = Date.now();
  const admins = new Map<string, string>();
  const adminName = async (id: string) => {
    if (!admins.has(id)) admins.set(id, (await accounts.admins.findById(id))?.name ?? 'A support agent');
    return admins.get(id)!;
  };
  const active = [];
  const past = [];
  for (const listed of await listSessions(store, { user: user.id, tenant: user.tenant }, SESSIONS_SHOWN)) {
    // One that ran out without anyone noticing is settled here (audited once as `expired`).
    const s = await settleListed(services.store, services.audit, listed, now);
    const row = {
      sid: s.sid,
      admin: await adminName(s.admin),
      reason: s.reason,
      started: utc(s.startedAt),
      audience: s.audience,
      // What support did there, as the tenant app reported it (PROTOCOL §7).
      activity: await activityLines(store, s.sid),
    };
    if (isActive(s, now)) active.push({ ...row, left: minutesLeft(s.expiresAt - now), until: utc(s.expiresAt) });
    else past.push({ ...row, ended: utc(s.endedAt ?? s.expiresAt), how: ENDED[s.endReason ?? 'expired'] ?? 'Ended' });
  }
  const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
  return {
    consentMode,
    consent: consentMode === 'opt-in' ? await getConsent(store, user.id) : undefined,
    // Codes stand in for consent: useful where the tenant asks for consent at all.
    offersCode: consentMode === 'opt-in' || consentMode === 'access-code',
    codeMinutes: Math.round(config.policy.accessCodeTtl / 60),
    active,
    past,
    notice: NOTICES[done],
  };
}

export function supportAccessRoutes(services: Services) {
  const { config, store, audit } = services;
  const sessions = accountSessions(services);
  const router = new Router({ prefix: '/account/support-access' });


  const tenantOf = (user: User) => services.tenancy.view().tenant(user.tenant);

  router.post('/consent', parseForm, async (ctx) => {
    const user = await sessions.formUser(ctx);
    if (!user) return;
    const value = field(ctx.request.body, 'consent', 16);
    if (tenantOf(user)?.consent !== 'opt-in') return ctx.throw(400, 'Your organisation does not use this setting.');
    if (value !== 'granted' && value !== 'denied') return ctx.throw(400, 'Choose whether support may sign in to your account.');
    await setConsent(store, user.id, value);
    await audit.append({
      type: 'support_access.consent_changed',
      user: user.id,
      tenant: user.tenant,
      outcome: 'success',
      ...requestMeta(ctx),
      details: { consent: value },
    });
    ctx.status = 303;
    ctx.redirect(`/account?done=consent-${value}`);
  });

  router.post('/code', parseForm, async (ctx) => {
    const user = await sessions.formUser(ctx);
    if (!user) return;
    if ((tenantOf(user)?.consent ?? 'none') === 'none') ctx.throw(400, 'Your organisation does not use support access codes.');
    const { code, expiresAt } = await createAccessCode(store, user.id, user.tenant, config.policy.accessCodeTtl);
    try {
      // PROTOCOL §6: audited before the answer (the code itself never is, nor logged).
      await audit.append({
        type: 'support_access.code_created',
        user: user.id,
        tenant: user.tenant,
        outcome: 'success',
        ...requestMeta(ctx),
        details: { expiresAt: expiresAt.toISOString() },
      });
    } catch (err) {
      await takeAccessCode(store, code).catch(() => undefined);
      throw err;
    }
    // Shown once: this answer is the only place the code exists in clear.
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = render('account/access-code', {
      title: 'Your support access code',
      code,
      expiresAt: utc(expiresAt.getTime()),
      minutes: Math.round(config.policy.accessCodeTtl / 60),
      csrf: csrfToken(ctx),
    });
  });

  router.post('/sessions/:sid/end', parseForm, async (ctx) => {
    const user = await sessions.formUser(ctx);
    if (!user) return;
    const sid = ctx.params.sid ?? '';
    const session = SESSION_ID.test(sid) ? await findSession(store, sid) : null;
    // Only the user's own sessions; one answer for "unknown" and "someone else's".
    if (!session || session.user !== user.id) ctx.throw(404, 'There is no such support session on your account.');
    const ended = await endAndAudit(store, audit, sid, 'ended_by_user', user.id, requestMeta(ctx), 'account');
    ctx.status = 303;
    ctx.redirect(`/account?done=${ended ? 'ended' : 'already'}`);
  });

  return router;
}
