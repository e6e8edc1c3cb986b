import type { Middleware } from 'koa';
import { sendPage } from './html-page.js';
import type { GatehouseRpState } from './types.js';

/** Options of {@link forbidWhileImpersonating}. */
export interface ForbidWhileImpersonatingOptions {
  /** What the admin is told (plain text; it is escaped in the HTML page). */
  message?: string;
}

const DEFAULT_MESSAGE =
  'This action is not available while a support agent is signed in as this user. Stop impersonating to continue.';

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
  const message = options.message ?? DEFAULT_MESSAGE;
  return async function forbidWhileImpersonatingMiddleware(ctx, next) {
    if (ctx.state.impersonation === undefined) {
      throw new Error('forbidWhileImpersonating() must run after gatehouseRp(): ctx.state.impersonation is not set');
    }
    if (ctx.state.impersonation === null) return next();
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.status = 403;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'forbidden_while_impersonating', error_description: message };
      return;
    }
    sendPage(ctx, 403, 'Not available while impersonating', [message]);
  };
}
