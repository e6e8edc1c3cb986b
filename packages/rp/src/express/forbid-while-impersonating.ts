import {
  DEFAULT_FORBID_MESSAGE,
  FORBID_ORDER_ERROR,
  type ForbidWhileImpersonatingOptions,
  forbiddenAnswer,
} from '../core/forbid.js';
import { markBlocked } from '../core/blocked.js';
import type { ExpressMiddleware } from './types.js';

/**
 * Express guard for actions that must never run while impersonating: 403 (JSON when the client
 * prefers it, else an HTML page); otherwise `next()`. Mount it after `gatehouseRp`; without it
 * the guard fails closed (`next(error)`) rather than letting every request through.
 *
 * @example
 * ```ts
 * app.post('/settings/password', forbidWhileImpersonating(), changePassword);
 * ```
 */
export function forbidWhileImpersonating(options: ForbidWhileImpersonatingOptions = {}): ExpressMiddleware {
  const message = options.message ?? DEFAULT_FORBID_MESSAGE;
  return function forbidWhileImpersonatingMiddleware(req, res, next) {
    const impersonation = res.locals?.impersonation;
    if (impersonation === undefined) return next(new Error(FORBID_ORDER_ERROR));
    if (impersonation === null) return next();
    markBlocked(req);
    const answer = forbiddenAnswer(req.headers.accept, message);
    res.writeHead(answer.status, answer.headers).end(answer.body);
  };
}
