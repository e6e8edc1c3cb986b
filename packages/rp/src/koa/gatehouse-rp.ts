import type { Context, Middleware } from 'koa';
import { statusOfError } from '../core/activity.js';
import { wasBlocked } from '../core/blocked.js';
import { resolveConfig } from '../core/config.js';
import type { CookieChange } from '../core/exchange.js';
import { handleRpRequest } from '../core/handle.js';
import type { GatehouseRpState } from '../core/types.js';
import { clearImpersonationCookie, readImpersonationCookie, setImpersonationCookie } from './impersonation-cookie.js';
import { readFormBody } from './read-form-body.js';
import type { GatehouseRpOptions } from './types.js';

function applyCookie(ctx: Context, name: string, change: CookieChange | undefined): void {
  if (!change) return;
  if ('clear' in change) clearImpersonationCookie(ctx, name);
  else setImpersonationCookie(ctx, name, change.token, change.maxAgeMs);
}

/**
 * Koa middleware that makes an app a Gatehouse impersonation relying party (PROTOCOL.md §8):
 *
 * - `POST redeemPath` (and `GET redeemPath?ticket=` only with `ticketDelivery: 'query'`):
 *   redeems the ticket (RFC 8693), keeps the token in a signed httpOnly cookie, 303 to `afterRedeem`;
 *   a refused ticket gets a 400 page.
 * - `POST stopPath`: revokes the token (RFC 7009), clears the cookie, 303 to `afterStop`.
 * - `POST backchannelLogoutPath`: a logout token from Gatehouse (Back-Channel Logout 1.0) ends the
 *   session it names here at once.
 * - every other request: verifies the cookie's token (RFC 9068 §4), re-checks introspection
 *   (RFC 7662) at most every `recheckSeconds` per session, failing closed, and sets
 *   `ctx.state.currentUser`, `ctx.state.trueUser` and `ctx.state.impersonation`; while
 *   impersonating, reports the request (method, path, route, status, time, blocked) to Gatehouse.
 *
 * Needs `app.keys` (the cookie is signed). Options are checked at once; a mistake throws `TypeError`.
 * Errors thrown by `onEvent` are reported with `ctx.app.emit('error', err, ctx)`.
 *
 * @example
 * ```ts
 * const app = new Koa();
 * app.keys = [process.env.COOKIE_KEY!];
 * app.use(gatehouseRp({
 *   issuer: 'https://login.example.com',
 *   clientId: 'acme-app',
 *   clientSecret: process.env.GATEHOUSE_CLIENT_SECRET!,
 *   origin: 'https://app.acme.com',
 *   getUser: (ctx) => ctx.state.session?.user ?? null,
 * }));
 * ```
 */
export function gatehouseRp<User extends object = Record<string, unknown>>(
  options: GatehouseRpOptions<User>,
): Middleware<GatehouseRpState<User>> {
  const config = resolveConfig<User, Context>(options, (err, ctx) => ctx.app.emit('error', err, ctx));
  // As before the kit had adapters: getUserById may read ctx.state.impersonation.
  config.beforeProfile = (impersonation, ctx) => {
    (ctx.state as GatehouseRpState<User>).impersonation = impersonation;
  };
  return async function gatehouseRpMiddleware(ctx, next) {
    const keys: unknown = ctx.app.keys;
    if (!keys || (Array.isArray(keys) && keys.length === 0)) {
      throw new Error('gatehouseRp: set app.keys; the impersonation cookie is signed with them');
    }
    const outcome = await handleRpRequest(
      {
        method: ctx.method,
        path: ctx.path,
        query: ctx.querystring,
        token: readImpersonationCookie(ctx, config.cookieName),
        readForm: () => readFormBody(ctx),
      },
      ctx,
      config,
    );
    applyCookie(ctx, config.cookieName, outcome.cookie);
    const { answer } = outcome;
    if (!answer) {
      Object.assign(ctx.state, outcome.state);
      const { impersonation } = outcome.state;
      if (!impersonation || !config.recordsActivity(ctx)) return next();
      const at = Date.now();
      let thrown: unknown;
      try {
        await next();
      } catch (err) {
        thrown = err ?? new Error('unknown error');
        throw err;
      } finally {
        const route = (ctx as { _matchedRoute?: unknown })._matchedRoute; // @koa/router's matched pattern
        const status = thrown === undefined ? ctx.status : statusOfError(thrown);
        config.activity.record(impersonation.sid, { method: ctx.method, path: ctx.path, route, status, at, blocked: wasBlocked(ctx) }, ctx);
      }
      return;
    }
    ctx.set(answer.headers);
    if (answer.location !== undefined) ctx.redirect(answer.location);
    else if (answer.json) ctx.body = answer.json;
    else if (answer.html !== undefined) {
      ctx.type = 'html';
      ctx.body = answer.html;
    } else ctx.body = '';
    ctx.status = answer.status;
  };
}
