/**
 * A user's own pages (/account), minimal: sign in with email and password or a passkey,
 * manage passkeys, sign out. Consent settings and support access codes build on this.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { limitedSignIn, signInAccountKey } from '../accounts/sign-in-limits.js';
import type { User } from '../accounts/types.js';
import { field, parseForm } from '../http/body.js';
import { csrfToken, csrfValid } from '../http/csrf.js';
import { refusePasskey, requestMeta, requireCsrfHeader } from '../http/passkey-ceremony.js';
import { passkeyPages } from '../http/passkey-pages.js';
import { render } from '../http/render.js';
import type { Services } from '../services.js';
import type { StoredPasskey } from '../webauthn/index.js';
import { tenantForOrganisation } from './organisation.js';
import { accountSessions } from './session.js';
import { accessRequestAccountRoutes, accessRequestSummary } from './access-requests.js';
import { protectionChangesSummary } from './protection-changes.js';
import { supportAccessRoutes, supportAccessSummary } from './support-access.js';

/** One answer for a wrong organisation, email or password: none says which (no tenant enumeration). */
const GENERIC_FAILURE = 'Organisation, email or password is incorrect.';
/** Binds /account's passkey sign-in challenges to this page (interactions bind theirs to a uid). */
const BINDING = 'account';
/** Binds the passkey confirmation that opens passkey changes on /account/passkeys. */
const STEP_UP_BINDING = 'account-passkeys';

/** A short query parameter, or undefined. */
function queryText(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  return typeof value === 'string' && value.length <= 256 ? value.trim() : undefined;
}

export function selfServiceRoutes(services: Services) {
  const { config, accounts, limiters, passkeys, audit } = services;
  const sessions = accountSessions(services);
  const router = new Router({ prefix: '/account' });

  function page(ctx: Context, view: string, data: Record<string, unknown> & { title: string }) {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = render(view, { csrf: csrfToken(ctx), ...data });
  }

  async function signIn(ctx: Context, user: User, amr: string[]) {
    await audit.append({ type: 'user.login', user: user.id, tenant: user.tenant, outcome: 'success', ...requestMeta(ctx), details: { amr: amr.join(' '), page: 'account' } });
    const now = Date.now();
    await sessions.start(ctx, { userId: user.id, amr, signedInAt: now, ...(amr.includes('user') ? { passkeyAt: now } : {}) });
  }

  router.get('/', async (ctx) => {
    const signedIn = await sessions.current(ctx);
    // A tenant's app may link here with its own host (`?organisation=app.acme.com`); it only
    // fills the field in, and says nothing about whether such an organisation exists.
    if (!signedIn) return page(ctx, 'account/signin', { title: 'Your account', organisation: queryText(ctx, 'organisation') });
    const tenant = services.tenancy.view().tenant(signedIn.user.tenant);
    page(ctx, 'account/home', {
      title: 'Your account',
      user: signedIn.user,
      tenantName: tenant?.name ?? signedIn.user.tenant,
      amr: signedIn.session.amr.join(', '),
      passkeys: await passkeys.count('user', signedIn.user.id),
      supportAccess: await supportAccessSummary(services, signedIn.user, ctx),
      accessRequests: await accessRequestSummary(services, signedIn.user),
      protectionChanges: await protectionChangesSummary(services, signedIn.user),
    });
  });

  router.post('/login', parseForm, async (ctx) => {
    const body = ctx.request.body;
    const organisation = field(body, 'tenant', 256)?.trim() ?? '';
    const email = field(body, 'email', 320)?.trim().toLowerCase() ?? '';
    const password = field(body, 'password', 1024) ?? '';
    const again = (status: number, error: string) => {
      ctx.status = status;
      page(ctx, 'account/signin', { title: 'Your account', error, email, organisation });
    };
    if (!csrfValid(ctx, field(body, 'csrf'))) return again(403, 'Your session expired. Please try again.');
    if (!organisation || !email || !password) return again(400, GENERIC_FAILURE);
    // An organisation that names no tenant costs and answers exactly what a wrong password
    // does (one argon2 verification of a dummy hash, the same budgets, the same message).
    const tenant = tenantForOrganisation(services.tenancy.view().tenants, organisation)?.id ?? '';
    // The same limits and keys as the interaction's login form: one budget per account.
    const accountKey = signInAccountKey('user', tenant || `?${organisation.toLowerCase()}`, email);
    const attempt = await limitedSignIn(limiters, { ip: ctx.ip, accountKey }, () => accounts.users.authenticate(tenant, email, password));
    if (attempt.outcome === 'limited') {
      ctx.set('Retry-After', String(attempt.retryAfter));
      return again(429, `Too many sign-in attempts. Try again in ${Math.ceil(attempt.retryAfter / 60)} minute(s).`);
    }
    if (attempt.outcome === 'refused') return again(401, GENERIC_FAILURE);
    await signIn(ctx, attempt.account, ['pwd']);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/passkey/options', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    ctx.body = await passkeys.startAuthentication({ purpose: 'signin', binding: BINDING });
  });

  router.post('/passkey/verify', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const body = ctx.request.body as { handle?: unknown; response?: unknown };
    try {
      const { passkey, method } = await passkeys.finishAuthentication({
        purpose: 'signin',
        binding: BINDING,
        handle: body.handle,
        response: body.response,
        accept: (p) => p.accountKind === 'user',
      });
      const user = await accounts.users.findById(passkey.accountId);
      if (!user || user.disabled) return ctx.throw(403, 'This account is disabled.');
      await signIn(ctx, user, [method, 'user']);
      ctx.body = { redirectTo: '/account' };
    } catch (err) {
      await refusePasskey(services, ctx, err);
    }
  });

  router.post('/logout', parseForm, async (ctx) => {
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) ctx.throw(403, 'Your session expired. Reload the page and try again.');
    await sessions.end(ctx);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  // A confirmation with one of the user's own passkeys, which opens passkey changes for
  // `stepUpMaxAge` seconds (the gate below).
  router.post('/stepup/options', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const signedIn = await sessions.current(ctx);
    if (!signedIn) return ctx.throw(401, 'You are signed out. Sign in again.');
    try {
      ctx.body = await passkeys.startAuthentication({ purpose: 'stepup', binding: STEP_UP_BINDING, accountId: signedIn.user.id });
    } catch (err) {
      await refusePasskey(services, ctx, err);
    }
  });

  router.post('/stepup/verify', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const signedIn = await sessions.current(ctx);
    if (!signedIn) return ctx.throw(401, 'You are signed out. Sign in again.');
    const body = ctx.request.body as { handle?: unknown; response?: unknown };
    try {
      const { method } = await passkeys.finishAuthentication({
        purpose: 'stepup',
        binding: STEP_UP_BINDING,
        handle: body.handle,
        response: body.response,
        accept: (p) => p.accountKind === 'user' && p.accountId === signedIn.user.id,
      });
      const amr = [...new Set([...signedIn.session.amr, method, 'user', ...(signedIn.session.amr.includes('pwd') ? ['mfa'] : [])])];
      await sessions.update(ctx, { ...signedIn.session, amr, passkeyAt: Date.now() });
      ctx.body = { redirectTo: '/account/passkeys' };
    } catch (err) {
      await refusePasskey(services, ctx, err);
    }
  });

  const manage = passkeyPages(services, {
    base: '/account/passkeys',
    home: '/account',
    async account(ctx) {
      const signedIn = await sessions.current(ctx);
      return signedIn && { kind: 'user', id: signedIn.user.id, email: signedIn.user.email, name: signedIn.user.name };
    },
    // A user's first passkey may come from a password session (it is the way off passwords,
    // and the password already opens the account); once one exists, changes need a passkey
    // confirmation younger than stepUpMaxAge, so a phished password cannot add its own.
    async gate(ctx, _account, held) {
      if (held === 0) return { allowed: true };
      const passkeyAt = (await sessions.current(ctx))?.session.passkeyAt ?? 0;
      if (Date.now() - passkeyAt < config.policy.stepUpMaxAge * 1000) return { allowed: true };
      return {
        allowed: false,
        reason: 'Changing your passkeys needs you to confirm with one of them first.',
        ceremony: { optionsUrl: '/account/stepup/options', verifyUrl: '/account/stepup/verify' },
      };
    },
    onRegistered: (ctx, account, passkey) => audited(ctx, 'user.passkey_registered', account.id, passkey),
    onRemoved: (ctx, account, passkey) => audited(ctx, 'user.passkey_removed', account.id, passkey),
    onRenamed: (ctx, account, passkey) => audited(ctx, 'user.passkey_renamed', account.id, passkey),
  });

  async function audited(ctx: Context, type: 'user.passkey_registered' | 'user.passkey_removed' | 'user.passkey_renamed', userId: string, passkey: StoredPasskey) {
    const user = await accounts.users.findById(userId);
    const details = { credentialId: passkey.id.slice(0, 64), name: passkey.name, deviceType: passkey.deviceType };
    await audit.append({ type, user: userId, ...(user ? { tenant: user.tenant } : {}), outcome: 'success', ...requestMeta(ctx), details });
  }

  return [router, manage, supportAccessRoutes(services), accessRequestAccountRoutes(services)] as const;
}
