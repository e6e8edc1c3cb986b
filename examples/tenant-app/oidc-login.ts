/**
 * The app's normal sign-in: OpenID Connect code flow with PKCE (RFC 7636) against Gatehouse,
 * as any relying party does it, with openid-client v6; sign-out is RP-initiated logout
 * (OpenID Connect RP-Initiated Logout 1.0). Nothing here is about impersonation.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import { rotateCsrfToken } from './csrf.js';
import { refuseWhileImpersonating } from './guard.js';
import { escapeHtml, postForm, type SiteState, sendHtml } from './html.js';
import type { TenantAppLogger, TenantSite } from './options.js';
import {
  type AppUser,
  clearSession,
  readSession,
  safePath,
  takeLoginTransaction,
  writeLoginTransaction,
  writeSession,
} from './session.js';

export const SCOPE = 'openid profile email';

/** The site's client configuration from Gatehouse's discovery document, fetched once (retried after a failure). */
export function oidcClient(issuer: string, site: TenantSite): () => Promise<oidc.Configuration> {
  let pending: Promise<oidc.Configuration> | undefined;
  // http issuers only in development (openid-client refuses them unless told otherwise).
  const execute = new URL(issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
  return () => {
    pending ??= oidc
      .discovery(new URL(issuer), site.clientId, { client_secret: site.clientSecret }, oidc.ClientSecretBasic(site.clientSecret), {
        execute,
      })
      .catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
    return pending;
  };
}

function failure(ctx: Context, site: TenantSite, status: number, message: string): void {
  sendHtml(ctx, site, status, {
    title: 'Sign-in failed',
    body: `<p>${escapeHtml(message)}</p><p><a href="/login">Try again</a></p>`,
  });
}

/** `error` of an OAuth error response (RFC 6749 §4.1.2.1, §5.2), else the library's code. */
function errorCode(err: unknown): string {
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) return err.error;
  return (err as { code?: string }).code ?? 'unexpected_error';
}

export function loginRoutes(site: TenantSite, client: () => Promise<oidc.Configuration>, logger: TenantAppLogger) {
  const router = new Router<SiteState>();
  const redirectUri = `${site.origin}/callback`;

  router.get('/login', async (ctx) => {
    const tx = {
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      returnTo: safePath(ctx.query['return_to']),
    };
    let config: oidc.Configuration;
    try {
      config = await client();
    } catch (err) {
      logger.error({ tenant: site.id, err: errorCode(err) }, 'gatehouse discovery failed');
      return failure(ctx, site, 502, 'Gatehouse could not be reached. Try again in a moment.');
    }
    writeLoginTransaction(ctx, tx);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(tx.codeVerifier),
      code_challenge_method: 'S256',
      state: tx.state,
      nonce: tx.nonce,
    });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const tx = takeLoginTransaction(ctx);
    if (!tx) return failure(ctx, site, 400, 'This sign-in link has expired or was opened in another browser.');
    try {
      const config = await client();
      // The URL Gatehouse redirected to, rebuilt on our own origin (never trust Host for it).
      const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.originalUrl, site.origin), {
        pkceCodeVerifier: tx.codeVerifier,
        expectedState: tx.state,
        expectedNonce: tx.nonce,
        idTokenExpected: true,
      });
      const sub = tokens.claims()!.sub;
      const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
      // Gatehouse binds the client to its tenant already; a second look costs nothing.
      if (info.tenant !== undefined && info.tenant !== site.id) {
        return failure(ctx, site, 403, 'This account belongs to another organisation.');
      }
      const user: AppUser = {
        sub,
        ...(typeof info.email === 'string' ? { email: info.email } : {}),
        ...(typeof info.name === 'string' ? { name: info.name } : {}),
        ...(typeof info.tenant === 'string' ? { tenant: info.tenant } : {}),
      };
      writeSession(ctx, { user, ...(tokens.id_token ? { idToken: tokens.id_token } : {}) });
      rotateCsrfToken(ctx);
      logger.info({ tenant: site.id, sub }, 'signed in');
      ctx.redirect(tx.returnTo);
    } catch (err) {
      logger.warn({ tenant: site.id, err: errorCode(err) }, 'sign-in failed');
      return failure(ctx, site, 400, `Gatehouse did not sign you in (${errorCode(err)}).`);
    }
  });

  // The admin's browser holds Gatehouse's session of the *admin*: never log that out from here.
  const signOut = refuseWhileImpersonating(site, 'A support session is not signed out here: use Stop in the banner to end it.');
  router.get('/logout', (ctx) => {
    sendHtml(ctx, site, 200, { title: 'Sign out', body: postForm(ctx, '/logout', 'Sign out of this app and Gatehouse') });
  });
  router.post('/logout', signOut, async (ctx) => {
    const idToken = readSession(ctx)?.idToken;
    clearSession(ctx);
    let target = '/';
    try {
      target = oidc.buildEndSessionUrl(await client(), {
        post_logout_redirect_uri: `${site.origin}/`,
        ...(idToken ? { id_token_hint: idToken } : {}),
      }).href;
    } catch (err) {
      // Signed out here at least; Gatehouse's own session lives on until it expires.
      logger.warn({ tenant: site.id, err: errorCode(err) }, 'RP-initiated logout unavailable');
    }
    ctx.redirect(target);
    ctx.status = 303;
  });

  return router;
}
