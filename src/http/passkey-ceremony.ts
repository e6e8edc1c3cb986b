/**
 * What every passkey JSON endpoint (interaction, /admin, /account) does around a
 * ceremony: the CSRF header, a JSON answer to a refusal, and the audit of a counter that
 * went backwards (a possibly cloned authenticator).
 */
import type { Context } from 'koa';
import type { Services } from '../services.js';
import { PasskeyError } from '../webauthn/index.js';
import { csrfValid } from './csrf.js';

/** Our scripts send the CSRF token in this header with every JSON POST. */
export const CSRF_HEADER = 'x-csrf-token';

export function requireCsrfHeader(ctx: Context) {
  if (!csrfValid(ctx, ctx.get(CSRF_HEADER))) ctx.throw(403, 'Your session expired. Reload the page and try again.');
}

/** Who asked, for audit events. */
export function requestMeta(ctx: Context) {
  const userAgent = ctx.get('user-agent').slice(0, 512);
  return { requestId: ctx.state.requestId as string, ip: ctx.ip, ...(userAgent ? { userAgent } : {}) };
}

/**
 * Answers a refused ceremony with 400 `{ error: 'passkey_refused', code, error_description }`
 * after auditing a counter regression on an admin's passkey; anything that is not a
 * PasskeyError is rethrown.
 */
export async function refusePasskey(services: Services, ctx: Context, err: unknown): Promise<void> {
  if (!(err instanceof PasskeyError)) throw err;
  const log = ctx.state.log ?? services.logger;
  log.warn({ code: err.code, detail: err.detail, credential: err.credential?.id }, 'passkey refused');
  if (err.code === 'counter_regressed' && err.credential?.accountKind === 'admin') {
    await services.audit.append({
      type: 'admin.passkey_counter_regressed',
      admin: err.credential.accountId,
      outcome: 'failure',
      code: err.code,
      ...requestMeta(ctx),
      details: { credentialId: err.credential.id.slice(0, 64), detail: String(err.detail).slice(0, 200) },
    });
  }
  ctx.status = 400;
  ctx.body = { error: 'passkey_refused', code: err.code, error_description: err.message };
}
