/**
 * Interaction routes: login (email + password), consent, abort, and the passkey step-up
 * page (stepup.ts; its JSON ceremony endpoints are in passkey.ts). Plain HTML forms that
 * work without JavaScript, except the WebAuthn ceremony (PROTOCOL §7).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { parseForm, field } from '../http/body.js';
import { csrfToken, csrfValid } from '../http/csrf.js';
import { render } from '../http/render.js';
import type { Services } from '../services.js';
import { limitedSignIn, signInAccountKey } from '../accounts/sign-in-limits.js';
import { ACR_PASSWORD } from '../oidc/policy.js';
import { interactionDetails } from './details.js';
import { renderStepUp, stepUpAccount } from './stepup.js';

const GENERIC_FAILURE = 'Email or password is incorrect.';

interface Directory {
  kind: 'admin' | 'user';
  tenant?: string;
}

/** The console signs in admins; a tenant client signs in users of its tenant only. */
export function directoryFor(client: object): Directory {
  const c = client as { gatehouse_role?: unknown; gatehouse_tenant?: unknown };
  return c.gatehouse_role === 'support-console' ? { kind: 'admin' } : { kind: 'user', tenant: String(c.gatehouse_tenant) };
}

export function interactionRoutes(services: Services) {
  const { provider, accounts, limiters, logger } = services;
  const router = new Router({ prefix: '/interaction' });

  const details = (ctx: Context) => interactionDetails(provider, ctx);

  function renderLogin(ctx: Context, uid: string, clientName: string, extra: Record<string, unknown> = {}) {
    ctx.type = 'html';
    ctx.body = render('login', { title: 'Sign in', uid, clientName, csrf: csrfToken(ctx), passkeys: true, ...extra });
  }

  router.get('/:uid', async (ctx) => {
    const found = await details(ctx);
    const { interaction, client } = found;
    const clientName = client.clientName ?? client.clientId;
    ctx.set('Cache-Control', 'no-store');
    const stepUp = await stepUpAccount(services, found);
    if (stepUp) return renderStepUp(services, ctx, found, stepUp, csrfToken(ctx));
    if (interaction.prompt.name === 'login') {
      return renderLogin(ctx, interaction.uid, clientName, { email: interaction.params.login_hint });
    }
    if (interaction.prompt.name === 'consent') {
      const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
      const scopes = [...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()];
      ctx.type = 'html';
      ctx.body = render('consent', { title: 'Allow access', uid: interaction.uid, clientName, scopes, csrf: csrfToken(ctx) });
      return;
    }
    ctx.throw(400, `unsupported prompt ${interaction.prompt.name}`);
  });

  router.post('/:uid/login', parseForm, async (ctx) => {
    const { interaction, client } = await details(ctx);
    const clientName = client.clientName ?? client.clientId;
    const body = ctx.request.body;
    const email = field(body, 'email', 320)?.trim().toLowerCase();
    const password = field(body, 'password', 1024);
    if (!csrfValid(ctx, field(body, 'csrf'))) {
      ctx.status = 403;
      return renderLogin(ctx, interaction.uid, clientName, { error: 'Your session expired. Please try again.', email });
    }
    if (!email || !password) {
      ctx.status = 400;
      return renderLogin(ctx, interaction.uid, clientName, { error: GENERIC_FAILURE, email });
    }
    const directory = directoryFor(client);
    const accountKey = signInAccountKey(directory.kind, directory.tenant, email);
    // PROTOCOL §10.3: the attempt is paid for before the argon2 verify, and refunded if right.
    const attempt = await limitedSignIn<{ id: string }>(limiters, { ip: ctx.ip, accountKey }, () =>
      directory.kind === 'admin' ? accounts.admins.authenticate(email, password) : accounts.users.authenticate(directory.tenant!, email, password),
    );
    if (attempt.outcome === 'limited') {
      const { retryAfter } = attempt;
      ctx.status = 429;
      ctx.set('Retry-After', String(retryAfter));
      return renderLogin(ctx, interaction.uid, clientName, {
        error: `Too many sign-in attempts. Try again in ${Math.ceil(retryAfter / 60)} minute(s).`,
        email,
      });
    }
    if (attempt.outcome === 'refused') {
      logger.info({ requestId: ctx.state.requestId, directory: directory.kind, tenant: directory.tenant }, 'login failed');
      ctx.status = 401;
      return renderLogin(ctx, interaction.uid, clientName, { error: GENERIC_FAILURE, email });
    }
    const result = { login: { accountId: attempt.account.id, acr: ACR_PASSWORD, amr: ['pwd'], remember: true } };
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  });

  router.post('/:uid/confirm', parseForm, async (ctx) => {
    const { interaction } = await details(ctx);
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) ctx.throw(403, 'Your session expired. Please try again.');
    if (interaction.prompt.name !== 'consent') ctx.throw(400, 'nothing to consent to');
    const { session, params, prompt } = interaction;
    const accountId = session?.accountId;
    if (!accountId) ctx.throw(400, 'not signed in');
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId, clientId: String(params.client_id) });
    if (!grant) ctx.throw(400, 'the grant expired');
    const d = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (d.missingOIDCScope) grant!.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant!.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
      grant!.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant!.save();
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  router.get('/:uid/abort', async (ctx) => {
    await details(ctx);
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
  });

  return router;
}
