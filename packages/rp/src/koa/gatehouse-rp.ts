import type { Middleware } from 'koa';
import { exposeUsers } from './expose-users.js';
import { redeemRoute } from './redeem-route.js';
import { resolveConfig } from './resolve-config.js';
import { stopRoute } from './stop-route.js';
import type { GatehouseRpOptions, GatehouseRpState } from './types.js';

/**
 * Koa middleware that makes an app a Gatehouse impersonation relying party (PROTOCOL.md §8):
 *
 * - `POST redeemPath` (and `GET redeemPath?ticket=` only with `ticketDelivery: 'query'`):
 *   redeems the ticket (RFC 8693), keeps the token in a signed httpOnly cookie, 303 to `afterRedeem`;
 *   a refused ticket gets a plain 400 page.
 * - `POST stopPath`: revokes the token (RFC 7009), clears the cookie, 303 to `afterStop`.
 * - every other request: verifies the cookie's token (RFC 9068 §4), re-checks introspection
 *   (RFC 7662) at most every `recheckSeconds` per session, failing closed, and sets
 *   `ctx.state.currentUser`, `ctx.state.trueUser` and `ctx.state.impersonation`.
 *
 * Needs `app.keys` (the cookie is signed). Options are checked at once; a mistake throws `TypeError`.
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
  const config = resolveConfig(options);
  return async function gatehouseRpMiddleware(ctx, next) {
    const keys: unknown = ctx.app.keys;
    if (!keys || (Array.isArray(keys) && keys.length === 0)) {
      throw new Error('gatehouseRp: set app.keys; the impersonation cookie is signed with them');
    }
    if (ctx.path === config.redeemPath) return redeemRoute(ctx, config);
    if (ctx.path === config.stopPath) return stopRoute(ctx, config);
    await exposeUsers(ctx, config);
    await next();
  };
}
