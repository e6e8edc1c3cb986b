/**
 * The management API's HTTP conventions: RFC 9457 problem details for every refusal (with
 * the stable `code` from the tenancy error table), JSON bodies read with a bound and never
 * trusted to parse, and ETags (RFC 9110 §8.8.3, §13.1.1) as the resource's revision.
 */
import type { Context, Next } from 'koa';
import { StoreUnavailableError } from '../../store/types.js';
import { type TenancyErrorCode, TenancyError, tenancyErrors } from '../errors.js';

/** Problem types are stable URNs, the same for every deployment: clients switch on them (or on `code`). */
export const problemType = (code: TenancyErrorCode) => `urn:gatehouse:problem:${code}`;

const MAX_BODY_BYTES = 64 * 1024;
/** Seconds a client waits before retrying while the store is away (as errorHandler answers elsewhere). */
const STORE_RETRY_AFTER = '5';

export function problem(ctx: Context, error: TenancyError) {
  ctx.status = error.status;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Type', 'application/problem+json');
  if (error.status === 401) {
    ctx.set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${error.message.replace(/["\\]/g, '')}"`);
  } else if (error.code === 'insufficient_scope') {
    ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", error_description="${error.message.replace(/["\\]/g, '')}"`);
  } else if (error.status === 503) {
    ctx.set('Retry-After', STORE_RETRY_AFTER);
  }
  ctx.body = JSON.stringify({
    type: problemType(error.code),
    title: tenancyErrors[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.issues ? { errors: error.issues } : {}),
    requestId: ctx.state.requestId,
  });
}

/**
 * Every error inside the API becomes problem details: the store away (a read, the token's
 * grant, a write) is 503 `store_unavailable` with Retry-After; an unexpected one a 500 that
 * says nothing.
 */
export function problems() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof TenancyError) return problem(ctx, err);
      if (err instanceof StoreUnavailableError) {
        ctx.state.log?.warn({ err }, 'management API request: the store is unreachable');
        return problem(ctx, new TenancyError('store_unavailable'));
      }
      ctx.state.log?.error({ err }, 'management API request failed');
      ctx.status = 500;
      ctx.set('Content-Type', 'application/problem+json');
      ctx.body = JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, requestId: ctx.state.requestId });
    }
  };
}

/**
 * The request's JSON object (`{}` for an empty body of an action). Another media type is
 * 415; malformed JSON, a value that is not an object, or more than 64 KiB is 400.
 */
export async function jsonBody(ctx: Context, options: { optional?: boolean } = {}): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new TenancyError('body_malformed', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0 && options.optional) return {};
  const type = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
  if (type !== 'application/json' && type !== 'application/merge-patch+json') throw new TenancyError('unsupported_media_type');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new TenancyError('body_malformed', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TenancyError('body_malformed', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

export const etag = (rev: number) => `"${rev}"`;

/**
 * The revision `If-Match` asks for, given the record's current one: `*` or a list holding it
 * answers it, anything else (a stale or weak tag, garbage) answers a revision that cannot
 * match, so the change is refused with 412. Absent: undefined.
 */
export function ifMatch(ctx: Context, current: number | undefined): number | undefined {
  const header = ctx.get('if-match').trim();
  if (!header) return undefined;
  if (header === '*') return current ?? -1;
  const tags = header.split(',').map((t) => t.trim());
  return current !== undefined && tags.includes(etag(current)) ? current : -1;
}

/** `If-Match` is required on an update (RFC 6585 §3): without it, two writers would overwrite each other. */
export function requireIfMatch(ctx: Context, current: number | undefined): number {
  const rev = ifMatch(ctx, current);
  if (rev === undefined) throw new TenancyError('precondition_required', "send If-Match with the ETag you read, so a concurrent change is not overwritten");
  return rev;
}

export function send(ctx: Context, status: number, body: unknown, rev?: number) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (rev !== undefined) ctx.set('ETag', etag(rev));
  ctx.body = body;
}
