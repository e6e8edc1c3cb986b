/**
 * Impersonation tokens at introspection (RFC 7662), revocation (RFC 7009) and userinfo.
 * oidc-provider refuses every JWT access token there (OIDC-PROVIDER-NOTES "JWT access
 * tokens"): Gatehouse answers them inside the engine's routes once the engine has
 * authenticated the client (src/oidc/structured-tokens.ts); the impersonation session is
 * the truth.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { JWTPayload } from 'jose';
import { accountKindOf, issuedBeforeLastDisable } from '../accounts/index.js';
import type { StructuredTokenHandlers } from '../oidc/provider.js';
import type { KoaContextWithOIDC } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { endAndAudit } from '../impersonation/end.js';
import { liveSession } from '../impersonation/live.js';
import { coverageOf } from '../impersonation/policy.js';

interface ImpersonationClaims extends JWTPayload {
  client_id?: string;
  scope?: string;
  act?: { sub: string };
  impersonation?: { sid: string; reason: string };
}

async function verified(services: Services, token: unknown): Promise<ImpersonationClaims | null> {
  if (typeof token !== 'string') return null;
  return (await services.tokenVerifier.verify(token).catch(() => null)) as ImpersonationClaims | null;
}

/**
 * The impersonation session and its user while it may go on: the session, the admin and the
 * user read in one round trip (PROTOCOL §10.2: introspection and /me re-check both accounts).
 */
function sessionOf(services: Services, claims: ImpersonationClaims) {
  if (!claims.impersonation || !claims.act || typeof claims.sub !== 'string') return Promise.resolve(null);
  const deps = { store: services.store, audit: services.audit, covers: coverageOf(services.tenancy.view().roles) };
  return liveSession(deps, { sid: claims.impersonation.sid, admin: claims.act.sub, user: claims.sub });
}

/**
 * A JWT access token of an account's own (not an impersonation): dead once the account is
 * disabled, or was disabled after it was issued (PROTOCOL §10.2). One account read, on this
 * path only; impersonation tokens are answered by their session's round trip.
 */
async function accountMayAct(services: Services, claims: ImpersonationClaims): Promise<boolean> {
  if (typeof claims.sub !== 'string' || !accountKindOf(claims.sub)) return true;
  const account = await services.lookupAccount(claims.sub);
  return Boolean(account && !account.disabled && !issuedBeforeLastDisable(account, typeof claims.iat === 'number' ? claims.iat * 1000 : undefined));
}

/**
 * The token endpoint's error extras: RFC 9470 step-up hints added to the error body
 * (`refuse` in context.ts puts them on the state).
 */
export function tokenErrorExtras() {
  return async (ctx: Context, next: Next) => {
    await next();
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (route === 'token' && ctx.state.errorExtras && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...(ctx.body as object), ...ctx.state.errorExtras };
    }
  };
}

type AuthenticatedClient = { clientId: string; gatehouse_role?: string };
const clientOf = (ctx: KoaContextWithOIDC) => ctx.oidc.client as unknown as AuthenticatedClient;

/**
 * JWT access tokens at introspection and revocation, for a client the engine has
 * authenticated (src/oidc/structured-tokens.ts runs these inside its routes).
 */
export function structuredTokenAnswers(services: Services): StructuredTokenHandlers {
  return {
    async introspection(ctx, token) {
      const client = clientOf(ctx);
      const claims = await verified(services, token);
      ctx.status = 200;
      ctx.set('Cache-Control', 'no-store');
      // A deleted client's tokens are inactive, whoever asks (PROTOCOL §11).
      const mayKnow =
        claims &&
        (claims.client_id === client.clientId || client.gatehouse_role === 'support-console') &&
        services.tenancy.view().client(String(claims.client_id)) !== undefined;
      const session = mayKnow && claims.impersonation ? await sessionOf(services, claims) : null;
      if (!claims || !mayKnow || (claims.impersonation && !session) || (!claims.impersonation && !(await accountMayAct(services, claims)))) {
        ctx.body = { active: false };
        return;
      }
      ctx.body = {
        active: true,
        token_type: 'Bearer',
        iss: claims.iss,
        sub: claims.sub,
        aud: claims.aud,
        client_id: claims.client_id,
        scope: claims.scope,
        exp: claims.exp,
        iat: claims.iat,
        jti: claims.jti,
        ...(claims.act ? { act: claims.act } : {}),
        ...(claims.impersonation ? { impersonation: claims.impersonation } : {}),
      };
    },
    async revocation(ctx, token) {
      const client = clientOf(ctx);
      const claims = await verified(services, token);
      ctx.set('Cache-Control', 'no-store');
      // RFC 7009 §2.2: invalid or unknown tokens get 200 too; only the client the token was
      // issued to may end its session.
      if (claims?.impersonation && claims.client_id === client.clientId) {
        await endAndAudit(services.store, services.audit, claims.impersonation.sid, 'revoked', client.clientId, {
          client: client.clientId,
          requestId: ctx.state.requestId,
          ip: ctx.ip,
        });
      } else if (claims && claims.client_id !== client.clientId) {
        ctx.status = 400;
        ctx.body = { error: 'unauthorized_client', error_description: 'this token was not issued to you' };
        return;
      }
      ctx.status = 200;
      ctx.body = '';
    },
  };
}

/** Userinfo for impersonation tokens: the user's claims plus `act` (PROTOCOL §3.5). */
export function impersonationUserinfo(services: Services) {
  const router = new Router();
  const handler = async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    const token = /^Bearer ([\w.-]+)$/i.exec(header)?.[1];
    const claims = token ? await verified(services, token) : null;
    if (!claims?.impersonation || !claims.act) return next();
    ctx.set('Cache-Control', 'no-store');
    const live = await sessionOf(services, claims);
    if (!live) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token", error_description="the impersonation session has ended"');
      ctx.body = { error: 'invalid_token', error_description: 'the impersonation session has ended' };
      return;
    }
    const { user } = live;
    const scopes = new Set(String(claims.scope ?? '').split(' '));
    ctx.body = {
      sub: user.id,
      ...(scopes.has('profile') ? { name: user.name, tenant: user.tenant } : {}),
      ...(scopes.has('email') ? { email: user.email, email_verified: true } : {}),
      act: claims.act,
    };
  };
  router.get('/me', handler);
  router.post('/me', handler);
  return router;
}
