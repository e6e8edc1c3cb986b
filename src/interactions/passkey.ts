/**
 * The passkey ceremony inside an interaction, as JSON for static/passkey.js:
 *   POST /interaction/:uid/passkey/options {mode}            -> { options, handle }
 *   POST /interaction/:uid/passkey/verify  {handle, response} -> { redirectTo }
 * `stepup` asks the session's account for one of its own passkeys; `login` is a
 * discoverable sign-in by any account that fits the client. Either ends the login
 * prompt with acr `phr` (PROTOCOL §2) and a fresh auth_time.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { parseForm } from '../http/body.js';
import { refusePasskey, requestMeta, requireCsrfHeader } from '../http/passkey-ceremony.js';
import { ACR_PHISHING_RESISTANT } from '../oidc/policy.js';
import type { Services } from '../services.js';
import { PasskeyError } from '../webauthn/index.js';
import { interactionDetails } from './details.js';
import { amrFor, fitsClient, stepUpAccount } from './stepup.js';

type Mode = 'stepup' | 'signin';

export function passkeyInteractionRoutes(services: Services) {
  const { provider, passkeys, audit } = services;
  const router = new Router({ prefix: '/interaction/:uid/passkey' });

  /** The interaction, still at its login prompt, and which ceremony this browser may run. */
  async function pending(ctx: Context) {
    requireCsrfHeader(ctx);
    const found = await interactionDetails(provider, ctx);
    if (found.interaction.prompt.name !== 'login') ctx.throw(400, 'this sign-in no longer needs a passkey');
    const body = (ctx.request.body ?? {}) as { mode?: unknown };
    const stepUp = body.mode === 'stepup' ? await stepUpAccount(services, found) : null;
    if (body.mode === 'stepup' && !stepUp) ctx.throw(400, 'there is nothing to step up here; reload the page');
    return { ...found, mode: (stepUp ? 'stepup' : 'signin') as Mode, stepUp };
  }

  router.post('/options', parseForm, async (ctx) => {
    const { interaction, mode, stepUp } = await pending(ctx);
    try {
      ctx.body = await passkeys.startAuthentication({
        purpose: mode,
        binding: interaction.uid,
        ...(stepUp ? { accountId: stepUp.id } : {}),
      });
    } catch (err) {
      await refusePasskey(services, ctx, err);
    }
  });

  router.post('/verify', parseForm, async (ctx) => {
    const { interaction, client, mode, stepUp } = await pending(ctx);
    const body = ctx.request.body as { handle?: unknown; response?: unknown };
    let verified: Awaited<ReturnType<typeof passkeys.finishAuthentication>>;
    try {
      verified = await passkeys.finishAuthentication({
        purpose: mode,
        binding: interaction.uid,
        handle: body.handle,
        response: body.response,
        // Step-up: only the session's own account (the challenge names it too). Sign-in:
        // an account this client accepts, so an admin's passkey never signs in to a tenant app.
        accept: async (p) => {
          if (stepUp) return p.accountId === stepUp.id;
          const account = await services.lookupAccount(p.accountId);
          return Boolean(account) && fitsClient(account!, client);
        },
      });
    } catch (err) {
      if (stepUp?.kind === 'admin' && err instanceof PasskeyError) {
        const failure = { type: 'admin.stepup', admin: stepUp.id, client: client.clientId, outcome: 'failure', code: err.code } as const;
        await audit.append({ ...failure, ...requestMeta(ctx) });
      }
      return refusePasskey(services, ctx, err);
    }
    const { passkey, method } = verified;
    const amr = amrFor(method, interaction.session, passkey.accountId);
    if (passkey.accountKind === 'admin') {
      // PROTOCOL §6: recorded before anything is issued; if it cannot be written, nothing is.
      await audit.append({
        type: 'admin.stepup',
        admin: passkey.accountId,
        client: client.clientId,
        outcome: 'success',
        ...requestMeta(ctx),
        details: { mode, amr: amr.join(' '), passkey: passkey.name },
      });
    }
    const login = { accountId: passkey.accountId, acr: ACR_PHISHING_RESISTANT, amr, remember: true };
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, { login }, { mergeWithLastSubmission: false });
    ctx.body = { redirectTo };
  });

  return router;
}
