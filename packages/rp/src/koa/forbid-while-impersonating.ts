import type { Middleware } from 'koa';
import {
  DEFAULT_FORBID_MESSAGE,
  FORBID_ORDER_ERROR,
  type ForbidWhileImpersonatingOptions,
  forbiddenAnswer,
} from '../core/forbid.js';
import { markBlocked } from '../core/blocked.js';
import type { GatehouseRpState } from '../core/types.js';

export type { ForbidWhileImpersonatingOptions };

/**
 * Guards actions that must never run while impersonating (changing a password or email, payment
 * details, deleting the account, …): answers 403, as JSON (`{ error: 'forbidden_while_impersonating',
 * error_description }`) when the client prefers JSON, else as a plain HTML page.
 *
 * Mount it after {@link gatehouseRp}; without it the guard fails closed (throws) rather than
 * letting every request through.
 *
 * @example
 * ```ts
 * router.post('/settings/password', forbidWhileImpersonating(), changePassword);
 * router.post('/billing', forbidWhileImpersonating({ message: 'Support cannot change billing.' }), updateBilling);
 * ```
 */
export function forbidWhileImpersonating(
  options: ForbidWhileImpersonatingOptions = {},
): Middleware<{ impersonation?: GatehouseRpState['impersonation'] }> {
  const message = options.message ?? DEFAULT_FORBID_MESSAGE;
  return async function forbidWhileImpersonatingMiddleware(ctx, next) {
    if (ctx.state.impersonation === undefined) throw new Error(FORBID_ORDER_ERROR);
    if (ctx.state.impersonation === null) return next();
    markBlocked(ctx);
    const answer = forbiddenAnswer(ctx.get('accept'), message);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  };
}
