/** The provider's own pages (errors, logout) rendered with our layout. */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { render } from '../http/render.js';

/**
 * Endpoints only programs call. RFC 6749 §5.2 (and RFC 7662, RFC 7009, RFC 6750 §3) make
 * their errors JSON, so they stay JSON even when a caller's Accept prefers HTML.
 */
const MACHINE_ROUTES = new Set(['token', 'introspection', 'revocation', 'userinfo', 'jwks', 'discovery']);

/** Error descriptions the engine produces are safe to show; 5xx details never are. */
async function error(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, err: Error) {
  if (MACHINE_ROUTES.has(String(ctx.oidc?.route))) {
    ctx.type = 'json';
    ctx.body = out;
    return;
  }
  const status = (err as { status?: number }).status ?? 500;
  ctx.type = 'html';
  ctx.body = render('error', {
    title: status >= 500 ? 'Something went wrong' : 'This request cannot be completed',
    message: status >= 500 ? 'An unexpected error occurred.' : out.error_description ?? out.error,
    detail: status >= 500 ? undefined : `error: ${out.error}`,
    requestId: ctx.get('x-request-id') || String(ctx.response.get('x-request-id') ?? ''),
  });
}

async function logout(ctx: KoaContextWithOIDC, form: string) {
  ctx.type = 'html';
  ctx.body = render('logout', {
    title: 'Sign out',
    form,
    clientName: ctx.oidc.client?.clientName,
  });
}

async function loggedOut(ctx: KoaContextWithOIDC) {
  ctx.type = 'html';
  ctx.body = render('logged-out', { title: 'Signed out', clientName: ctx.oidc.client?.clientName });
}

export const renderPages = { error, logout, loggedOut };
