import { statusOfError } from '../core/activity.js';
import { markBlocked, wasBlocked } from '../core/blocked.js';
import { resolveConfig } from '../core/config.js';
import type { RpAnswer } from '../core/exchange.js';
import {
  DEFAULT_FORBID_MESSAGE,
  type ForbidWhileImpersonatingOptions,
  forbiddenAnswer,
} from '../core/forbid.js';
import { FORM_BODY_LIMIT, FORM_TOO_LARGE, type FormBody, isFormContentType, NOT_A_FORM, readFormStream } from '../core/form.js';
import { handleRpRequest } from '../core/handle.js';
import { signedCookie } from '../core/signed-cookie.js';
import type { GatehouseRpBaseOptions, GatehouseRpState } from '../core/types.js';

/** Options of the fetch-style `gatehouseRp`: the common ones, `Ctx` being the `Request`, and the cookie's keys. */
export interface GatehouseRpFetchOptions<User extends object = Record<string, unknown>>
  extends GatehouseRpBaseOptions<User, Request> {
  /**
   * Secrets the impersonation cookie is signed with (HMAC-SHA256); the first signs, all verify,
   * so a new key goes first and an old one stays until its cookies expired. Long random strings.
   */
  cookieKeys: string[];
}

/** What {@link GatehouseRpFetch.handle} decided for one request. */
export type GatehouseRpFetchResult<User extends object> =
  /** The kit answered (a redeemed ticket, a stop, a refusal): return this response as it is. */
  | { response: Response; state?: undefined; headers?: undefined }
  /**
   * Not the kit's request: serve it with `state`, and add `headers` (a `Set-Cookie` when the kit
   * ended an impersonation) to your response.
   */
  | { response?: undefined; state: GatehouseRpState<User>; headers: Headers };

export interface GatehouseRpFetch<User extends object> {
  /** Answers `redeemPath` and `stopPath` itself; for any other request, reads who is who. */
  handle(request: Request): Promise<GatehouseRpFetchResult<User>>;
  /**
   * Wraps a handler: the kit's routes are answered, every other request reaches `handler` with
   * the state, and the kit's cookie headers are added to what it returns.
   */
  wrap(
    handler: (request: Request, state: GatehouseRpState<User>) => Response | Promise<Response>,
  ): (request: Request) => Promise<Response>;
  /** For guarded actions: a 403 while impersonating (JSON when the client prefers it, else HTML), else null. */
  forbidWhileImpersonating(
    request: Request,
    state: GatehouseRpState<User>,
    options?: ForbidWhileImpersonatingOptions,
  ): Response | null;
  /**
   * Reports a request served during an impersonation (what `wrap` does for you): call it with the
   * response (or its status) when you use `handle`. `route` is the pattern that matched, if known.
   * Does nothing when nobody is impersonating.
   */
  record(request: Request, state: GatehouseRpState<User>, response: Response | number, options?: { route?: string }): void;
}

/** The form of a redeem POST, at most 8 KiB, read from the request's stream. */
async function readForm(request: Request): Promise<FormBody> {
  if (!isFormContentType(request.headers.get('content-type'))) return NOT_A_FORM;
  if (Number(request.headers.get('content-length') ?? 0) > FORM_BODY_LIMIT) return FORM_TOO_LARGE;
  if (!request.body) return { ok: true, params: new URLSearchParams() };
  return readFormStream(request.body);
}

function toResponse(answer: RpAnswer, headers: Headers): Response {
  for (const [name, value] of Object.entries(answer.headers)) headers.set(name, value);
  if (answer.location !== undefined) {
    headers.set('Location', answer.location);
    return new Response(null, { status: answer.status, headers });
  }
  if (answer.json) {
    headers.set('Content-Type', 'application/json; charset=utf-8');
    return new Response(JSON.stringify(answer.json), { status: answer.status, headers });
  }
  if (answer.html === undefined) return new Response(null, { status: answer.status, headers });
  headers.set('Content-Type', 'text/html; charset=utf-8');
  return new Response(answer.html, { status: answer.status, headers });
}

/**
 * The kit on the web-standard `Request` and `Response` (Fetch API): for Hono, Next.js route
 * handlers, Bun, Deno, Cloudflare-style workers, and Fastify or Node through their fetch adapters.
 * The same routes and checks as the Koa `gatehouseRp`. What `onEvent` throws is logged with
 * `console.error` and does not break the request.
 *
 * @example
 * ```ts
 * const rp = gatehouseRp({ issuer, clientId, clientSecret, origin: 'https://app.acme.com', cookieKeys: [key] });
 * export default { fetch: rp.wrap((request, { currentUser, impersonation }) => render(currentUser, impersonation)) };
 * ```
 */
export function gatehouseRp<User extends object = Record<string, unknown>>(
  options: GatehouseRpFetchOptions<User>,
): GatehouseRpFetch<User> {
  const config = resolveConfig<User, Request>(options, (err) => console.error('gatehouseRp: onEvent threw', err));
  const cookie = signedCookie(config.cookieName, options.cookieKeys, config.secureOrigin);

  async function handle(request: Request): Promise<GatehouseRpFetchResult<User>> {
    const url = new URL(request.url);
    const outcome = await handleRpRequest(
      {
        method: request.method,
        path: url.pathname,
        query: url.search.slice(1),
        token: await cookie.read(request.headers.get('cookie')),
        readForm: () => readForm(request),
      },
      request,
      config,
    );
    const headers = new Headers();
    if (outcome.cookie) headers.append('Set-Cookie', await cookie.write(outcome.cookie));
    if (outcome.answer) return { response: toResponse(outcome.answer, headers) };
    return { state: outcome.state, headers };
  }

  /** When the request arrived, for requests `wrap` or the app will report. */
  const arrivals = new WeakMap<Request, number>();

  function record(request: Request, state: GatehouseRpState<User>, response: Response | number, recordOptions: { route?: string } = {}): void {
    const { impersonation } = state;
    if (!impersonation || !config.recordsActivity(request)) return;
    const status = typeof response === 'number' ? response : response.status;
    config.activity.record(
      impersonation.sid,
      {
        method: request.method,
        path: new URL(request.url).pathname,
        route: recordOptions.route,
        status,
        at: arrivals.get(request) ?? Date.now(),
        blocked: wasBlocked(request),
      },
      request,
    );
  }

  return {
    handle: async (request) => {
      arrivals.set(request, Date.now());
      return handle(request);
    },
    record,
    wrap(handler) {
      return async (request) => {
        arrivals.set(request, Date.now());
        const result = await handle(request);
        if (result.response) return result.response;
        let response: Response;
        try {
          response = await handler(request, result.state);
        } catch (err) {
          record(request, result.state, statusOfError(err));
          throw err;
        }
        record(request, result.state, response);
        if (![...result.headers].length) return response;
        // A response's headers may be immutable (one from fetch()): copy it to add ours.
        const copy = new Response(response.body, response);
        for (const value of result.headers.getSetCookie()) copy.headers.append('Set-Cookie', value);
        return copy;
      };
    },
    forbidWhileImpersonating(request, state, forbidOptions = {}) {
      if (!state.impersonation) return null;
      markBlocked(request);
      const answer = forbiddenAnswer(request.headers.get('accept'), forbidOptions.message ?? DEFAULT_FORBID_MESSAGE);
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    },
  };
}
