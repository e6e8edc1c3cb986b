import { wasBlocked } from '../core/blocked.js';
import { resolveConfig } from '../core/config.js';
import { FORM_BODY_LIMIT, FORM_TOO_LARGE, type FormBody, isFormContentType, NOT_A_FORM, paramsFromParsed, readFormStream } from '../core/form.js';
import { handleRpRequest } from '../core/handle.js';
import { signedCookie } from '../core/signed-cookie.js';
import { isObject } from '../http/request.js';
import type { ExpressMiddleware, ExpressRequest, GatehouseRpExpressOptions } from './types.js';

/** The form of a redeem POST: Express's parsed `req.body` when a parser ran, else the stream (at most 8 KiB). */
async function readForm(req: ExpressRequest): Promise<FormBody> {
  if (!isFormContentType(req.headers['content-type'])) return NOT_A_FORM;
  if (req.readableEnded && isObject(req.body)) return { ok: true, params: paramsFromParsed(req.body) };
  if (Number(req.headers['content-length'] ?? 0) > FORM_BODY_LIMIT) return FORM_TOO_LARGE;
  return readFormStream(req);
}

/**
 * Express middleware that makes an app a Gatehouse impersonation relying party: the same routes
 * and checks as the Koa `gatehouseRp` (see `@gatehouse/rp`), with the state on `res.locals`:
 * `res.locals.currentUser`, `res.locals.trueUser`, `res.locals.impersonation`.
 * `getUser(req)`, `getUserById(sub, req)`, `onEvent(event, req)` receive the request.
 * What `onEvent` throws is logged with `console.error` and does not break the request.
 *
 * @example
 * ```ts
 * app.use(gatehouseRp({
 *   issuer: 'https://login.example.com',
 *   clientId: 'acme-app',
 *   clientSecret: process.env.GATEHOUSE_CLIENT_SECRET!,
 *   origin: 'https://app.acme.com',
 *   cookieKeys: [process.env.COOKIE_KEY!],
 *   getUser: (req) => req.session?.user ?? null,
 * }));
 * ```
 */
export function gatehouseRp<User extends object = Record<string, unknown>>(
  options: GatehouseRpExpressOptions<User>,
): ExpressMiddleware<User> {
  const config = resolveConfig<User, ExpressRequest>(options, (err) => console.error('gatehouseRp: onEvent threw', err));
  const cookie = signedCookie(config.cookieName, options.cookieKeys, config.secureOrigin);
  return function gatehouseRpMiddleware(req, res, next) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    (async () => {
      const outcome = await handleRpRequest(
        {
          method: req.method ?? 'GET',
          path: req.path ?? url.pathname,
          query: url.search.slice(1),
          token: await cookie.read(req.headers.cookie),
          readForm: () => readForm(req),
        },
        req,
        config,
      );
      if (outcome.cookie) res.appendHeader('Set-Cookie', await cookie.write(outcome.cookie));
      const { answer } = outcome;
      if (!answer) {
        res.locals = Object.assign(res.locals ?? {}, outcome.state);
        const { impersonation } = outcome.state;
        if (impersonation && config.recordsActivity(req)) {
          const at = Date.now();
          // The whole path (under a mount point too), and the route Express matched, once answered.
          const path = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost').pathname;
          res.once('close', () =>
            config.activity.record(
              impersonation.sid,
              { method: req.method ?? 'GET', path, route: req.route?.path, status: res.statusCode, at, blocked: wasBlocked(req) },
              req,
            ),
          );
        }
        return next();
      }
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      res.statusCode = answer.status;
      if (answer.location !== undefined) {
        res.setHeader('Location', answer.location);
        res.end();
      } else if (answer.json) {
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(answer.json));
      } else if (answer.html === undefined) {
        res.end();
      } else {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        if (answer.status === 413) res.setHeader('Connection', 'close');
        res.end(answer.html);
      }
    })().catch(next);
  };
}
