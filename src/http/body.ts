/**
 * Body parsing for our own routes only (the provider reads raw bodies itself).
 * Small limits: every form we serve is a handful of short fields.
 */
import { bodyParser } from '@koa/bodyparser';

export const parseForm = bodyParser({
  enableTypes: ['form', 'json'],
  formLimit: '32kb',
  jsonLimit: '64kb',
  onError: (_err, ctx) => ctx.throw(400, 'the request body could not be read'),
});

/** A single string field from a parsed body; arrays (duplicated fields) and non-strings are refused. */
export function field(body: unknown, name: string, maxLength = 1000): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value.length > maxLength) return undefined;
  return value;
}
