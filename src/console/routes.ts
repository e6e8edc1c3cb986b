/**
 * The support console (/admin), minimal: sign in through Gatehouse as its own OIDC client,
 * step up with a passkey, manage passkeys, sign out. Impersonation pages build on the
 * session kept here (session.ts: the admin's access token is the actor token).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { parseForm, field } from '../http/body.js';
import { csrfToken, csrfValid } from '../http/csrf.js';
import { requestMeta } from '../http/passkey-ceremony.js';
import { passkeyPages } from '../http/passkey-pages.js';
import { render } from '../http/render.js';
import type { Services } from '../services.js';
import type { StoredPasskey } from '../webauthn/index.js';
import { AuthorizationFailed, authorizationRequest, consoleClient, redeemCode } from './oidc-client.js';
import { holdsImpersonationRight } from './rights.js';
import { accessRequestRoutes } from './access-requests.js';
import { adminRoutes } from './admins.js';
import { auditRoutes } from './audit.js';
import { devTokenRoutes } from './dev-token.js';
import { enrollRoutes } from './enroll.js';
import { userLifecycleRoutes } from './user-lifecycle.js';
import { homeData } from './home.js';
import { impersonationRoutes } from './impersonate.js';
import { notificationRoutes } from './notifications.js';
import { consoleNav } from './page.js';
import { carryOverAction, resumeRoutes, stepUpFirst } from './pending-action.js';
import { sessionRoutes } from './sessions.js';
import { tenantRoutes } from './tenants/routes.js';
import { type ConsoleSession, consoleReturnPath, consoleSessions, isSteppedUp } from './session.js';

export function consoleRoutes(services: Services) {
  const { config, provider, audit } = services;
  const sessions = consoleSessions(services);
  const router = new Router({ prefix: '/admin' });

  const page = (ctx: Context, view: string, data: Record<string, unknown> & { title: string }) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = render(view, { nav: consoleNav(ctx), csrf: csrfToken(ctx), ...data });
  };

  async function startAuthorization(ctx: Context, purpose: 'signin' | 'stepup', extra: Record<string, string> = {}, returnTo?: string) {
    const { pending, url } = authorizationRequest(config, purpose, extra);
    const session = (await sessions.load(ctx)) ?? {};
    await sessions.update(ctx, { ...session, pending: { ...pending, ...(returnTo ? { returnTo } : {}) } });
    ctx.redirect(url);
  }

  router.get('/', async (ctx) => {
    const signedIn = await sessions.current(ctx);
    if (!signedIn) return page(ctx, 'console/signed-out', { title: 'Support console' });
    page(ctx, 'console/home', { title: 'Support console', ...(await homeData(services, signedIn)) });
  });

  router.get('/login', (ctx) => startAuthorization(ctx, 'signin'));

  // PROTOCOL §3 step 1: a fresh, phishing-resistant authentication of the signed-in admin;
  // `?return=` brings it back to the console page that asked for it (passkeys, admins, users).
  router.get('/stepup', async (ctx) => {
    const signedIn = await sessions.current(ctx);
    if (!signedIn) return ctx.redirect('/admin');
    const extra = { acr_values: 'phr', max_age: String(config.policy.stepUpMaxAge), login_hint: signedIn.admin.email };
    await startAuthorization(ctx, 'stepup', extra, consoleReturnPath(ctx.query.return));
  });

  router.get('/callback', async (ctx) => {
    const previous = await sessions.load(ctx);
    const pending = previous?.pending;
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    if (!pending || state !== pending.state) {
      ctx.status = 400;
      return page(ctx, 'console/signed-out', { title: 'Support console', error: 'This sign-in expired or was started elsewhere. Sign in again.' });
    }
    if (!code) {
      ctx.status = 400;
      return page(ctx, 'console/signed-out', { title: 'Support console', error: 'Sign-in was cancelled.' });
    }
    let accessToken: string;
    let expiresIn: number;
    try {
      ({ accessToken, expiresIn } = await redeemCode(config, pending, code));
    } catch (err) {
      if (!(err instanceof AuthorizationFailed)) throw err;
      ctx.state.log?.warn({ err: err.message }, 'console sign-in failed');
      ctx.status = 400;
      return page(ctx, 'console/signed-out', { title: 'Support console', error: 'Sign-in failed. Try again.' });
    }
    // How the admin authenticated, as recorded on the token itself (what the token exchange reads).
    const token = await provider.AccessToken.find(accessToken);
    const extra = (token?.extra ?? {}) as { acr?: string; amr?: string[]; auth_time?: number };
    const admin = token?.accountId ? await services.accounts.admins.findById(token.accountId) : null;
    if (!token || !admin || admin.disabled) ctx.throw(403, 'Only support staff may use the console.');
    const session: ConsoleSession = {
      adminId: admin!.id,
      accessToken,
      ...(extra.acr ? { acr: extra.acr } : {}),
      ...(extra.amr ? { amr: extra.amr } : {}),
      ...(extra.auth_time ? { authTime: extra.auth_time } : {}),
      expiresAt: Date.now() + expiresIn * 1000,
      startedAt: Date.now(),
    };
    if (pending.purpose === 'signin') {
      await audit.append({ type: 'admin.login', admin: admin!.id, client: token!.clientId, outcome: 'success', ...requestMeta(ctx), details: { acr: extra.acr ?? '', amr: (extra.amr ?? []).join(' ') } });
    }
    // What the admin posted before this step-up is posted again now (pending-action.ts).
    const resumed = pending.purpose === 'stepup' ? carryOverAction(previous, admin!.id) : null;
    if (resumed) session.action = resumed.action;
    await sessions.start(ctx, session);
    ctx.redirect(resumed?.url ?? pending.returnTo ?? '/admin');
  });

  router.post('/logout', parseForm, async (ctx) => {
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) ctx.throw(403, 'Your session expired. Reload the page and try again.');
    await sessions.end(ctx);
    // Also end the Gatehouse session (RP-initiated logout), which confirms and comes back here.
    const { clientId } = consoleClient(config);
    const url = new URL(`${config.issuer}/session/end`);
    url.search = new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: `${config.issuer}/admin` }).toString();
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  const manage = passkeyPages(services, {
    base: '/admin/passkeys',
    home: '/admin',
    async account(ctx) {
      const signedIn = await sessions.current(ctx);
      return signedIn && { kind: 'admin', id: signedIn.admin.id, email: signedIn.admin.email, name: signedIn.admin.name };
    },
    // PROTOCOL §3.1, §10.1: a password never adds or removes an admin's passkey. The first
    // comes from an enrollment link; any change after needs a fresh passkey step-up.
    async gate(ctx, _account, held) {
      const signedIn = await sessions.current(ctx);
      if (signedIn && isSteppedUp(signedIn.session, config.policy.stepUpMaxAge)) return { allowed: true };
      if (held === 0) {
        return {
          allowed: false,
          reason:
            'An admin\'s first passkey comes from a one-time enrollment link: ask an admin who manages admins for one, or an operator (gatehouse admin enroll-link <your email>).',
        };
      }
      return { allowed: false, reason: 'Changing your passkeys needs a fresh passkey confirmation.', href: '/admin/stepup?return=/admin/passkeys' };
    },
    // A rename or removal posted while the gate was closed is done after the step-up.
    async keepForStepUp(ctx, label) {
      const signedIn = await sessions.current(ctx);
      if (!signedIn) return false;
      await stepUpFirst(ctx, sessions, signedIn, label);
      return true;
    },
    // Impersonation starts with a passkey step-up: an admin allowed to impersonate keeps one.
    async refuseRemoval(account, remaining) {
      if (remaining > 1) return null;
      const admin = await services.accounts.admins.findById(account.id);
      return admin && holdsImpersonationRight(services.tenancy.view(), admin) ? 'last_passkey' : null;
    },
    onRegistered: (ctx, account, passkey) => audited(ctx, 'admin.passkey_registered', account.id, passkey),
    onRemoved: (ctx, account, passkey) => audited(ctx, 'admin.passkey_removed', account.id, passkey),
    onRenamed: (ctx, account, passkey) => audited(ctx, 'admin.passkey_renamed', account.id, passkey),
  });

  async function audited(ctx: Context, type: 'admin.passkey_registered' | 'admin.passkey_removed' | 'admin.passkey_renamed', adminId: string, passkey: StoredPasskey) {
    const details = { credentialId: passkey.id.slice(0, 64), name: passkey.name, deviceType: passkey.deviceType, via: 'console' };
    await audit.append({ type, admin: adminId, outcome: 'success', ...requestMeta(ctx), details });
  }

  return [
    router,
    manage,
    enrollRoutes(services),
    resumeRoutes(sessions),
    devTokenRoutes(services, sessions),
    adminRoutes(services, sessions),
    tenantRoutes(services, sessions),
    userLifecycleRoutes(services, sessions),
    impersonationRoutes(services, sessions),
    accessRequestRoutes(services, sessions),
    sessionRoutes(services, sessions),
    auditRoutes(services, sessions),
    notificationRoutes(services, sessions),
  ] as const;
}
