import type { Context } from 'koa';
import { isObject } from '../http/request.js';

/** A ticket is ~43 characters; 8 KiB leaves room for other fields and refuses floods. */
export const FORM_BODY_LIMIT = 8 * 1024;

export type FormBody = { ok: true; params: URLSearchParams } | { ok: false; status: 413 | 415; message: string };

/**
 * Reads an `application/x-www-form-urlencoded` body, at most {@link FORM_BODY_LIMIT} bytes,
 * without a body-parser dependency. When a body parser earlier in the stack already consumed
 * the stream, its parsed `ctx.request.body` is used instead.
 */
export async function readFormBody(ctx: Context): Promise<FormBody> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    return { ok: false, status: 415, message: 'Expected an application/x-www-form-urlencoded form.' };
  }
  const parsed = (ctx.request as { body?: unknown }).body;
  if (ctx.req.readableEnded && isObject(parsed)) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed)) {
      for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
    }
    return { ok: true, params };
  }
  const tooLarge = { ok: false, status: 413, message: 'The form is too large.' } as const;
  if ((ctx.request.length ?? 0) > FORM_BODY_LIMIT) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_BODY_LIMIT) {
      ctx.set('Connection', 'close');
      return tooLarge;
    }
    chunks.push(chunk);
  }
  return { ok: true, params: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
}
