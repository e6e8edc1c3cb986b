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
import { tenantForOrganisation } from './organisation.js';
import { accountSessions } from './session.js';
import { supportAccessRoutes, supportAccessSummary } from './support-access.js';

/** One answer for a wrong organisation, email or password: none says which (no tenant enumeration). */
const GENERIC_FAILURE = 'Organisation, email or password is incorrect.';
/** Binds /account's passkey sign-in challenges to this page (interactions bind theirs to a uid). */
const BINDING = 'account';

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
    await sessions.start(ctx, { userId: user.id, amr, signedInAt: Date.now() });
  }

  router.get('/', async (ctx) => {
    const signedIn = await sessions.current(ctx);
    // A tenant's app may link here with its own host (`?organisation=app.acme.com`); it only
    // fills the field in, and says nothing about whether such an organisation exists.
    if (!signedIn) return page(ctx, 'account/signin', { title: 'Your account', organisation: queryText(ctx, 'organisation') });
    const tenant = config.tenants.find((t) => t.id === signedIn.user.tenant);
    page(ctx, 'account/home', {
      title: 'Your account',
      user: signedIn.user,
      tenantName: tenant?.name ?? signedIn.user.tenant,
      amr: signedIn.session.amr.join(', '),
      passkeys: await passkeys.count('user', signedIn.user.id),
      supportAccess: await supportAccessSummary(services, signedIn.user, ctx),
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
    const tenant = tenantForOrganisation(config.tenants, organisation)?.id ?? '';
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

  const manage = passkeyPages(services, {
    base: '/account/passkeys',
    home: '/account',
    async account(ctx) {
      const signedIn = await sessions.current(ctx);
      return signedIn && { kind: 'user', id: signedIn.user.id, email: signedIn.user.email, name: signedIn.user.name };
    },
  });

  return [router, manage, supportAccessRoutes(services)] as const;
}
