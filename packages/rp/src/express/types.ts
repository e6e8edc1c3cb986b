import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatehouseRpBaseOptions, GatehouseRpState } from '../core/types.js';

/**
 * The request as the Express adapter reads it: Node's `IncomingMessage`, with what Express adds
 * when it is there (`path` under a mount point, `body` from a body parser). Plain `node:http`
 * and Connect requests fit too.
 */
export type ExpressRequest = IncomingMessage & { path?: string; body?: unknown; originalUrl?: string; route?: { path?: unknown } };

/** The response: Node's `ServerResponse` and Express's `res.locals`, where the kit puts its state. */
export type ExpressResponse<User extends object = Record<string, unknown>> = ServerResponse & {
  locals?: Record<string, unknown> & Partial<GatehouseRpState<User>>;
};

/** `(req, res, next)`: Express 4 and 5, Connect, or a plain `node:http` server calling it. */
export type ExpressMiddleware<User extends object = Record<string, unknown>> = (
  req: ExpressRequest,
  res: ExpressResponse<User>,
  next: (err?: unknown) => void,
) => void;

/** Options of the Express `gatehouseRp`: the common ones, `Ctx` being `req`, and the cookie's keys. */
export interface GatehouseRpExpressOptions<User extends object = Record<string, unknown>>
  extends GatehouseRpBaseOptions<User, ExpressRequest> {
  /**
   * Secrets the impersonation cookie is signed with (HMAC-SHA256); the first signs, all verify,
   * so a new key goes first and an old one stays until its cookies expired. Long random strings.
   */
  cookieKeys: string[];
}
