import type { Context } from 'koa';
import { FORM_BODY_LIMIT, FORM_TOO_LARGE, type FormBody, isFormContentType, NOT_A_FORM, paramsFromParsed, readFormStream } from '../core/form.js';
import { isObject } from '../http/request.js';

/**
 * Reads an `application/x-www-form-urlencoded` body, at most {@link FORM_BODY_LIMIT} bytes,
 * without a body-parser dependency. When a body parser earlier in the stack already consumed
 * the stream, its parsed `ctx.request.body` is used instead.
 */
export async function readFormBody(ctx: Context): Promise<FormBody> {
  if (!isFormContentType(ctx.get('content-type'))) return NOT_A_FORM;
  const parsed = (ctx.request as { body?: unknown }).body;
  if (ctx.req.readableEnded && isObject(parsed)) return { ok: true, params: paramsFromParsed(parsed) };
  if ((ctx.request.length ?? 0) > FORM_BODY_LIMIT) return FORM_TOO_LARGE;
  const form = await readFormStream(ctx.req);
  if (!form.ok) ctx.set('Connection', 'close');
  return form;
}
