import { GatehouseRpError } from '../errors.js';
import { redeemTicket } from '../token/redeem-ticket.js';
import type { RpConfig } from './config.js';
import type { RpRequest } from './exchange.js';
import { endStoredImpersonation } from './stop.js';
import type { RpPage } from './types.js';

const ASK_AGAIN = 'Start the impersonation again from the support console.';

export type RedeemResult = { page: RpPage; stored: 'kept' | 'cleared' } | { token: string; maxAgeMs: number };

/** The ticket values this request carries, or the page that refuses it. */
async function ticketValues<User extends object, Ctx>(
  request: RpRequest,
  config: RpConfig<User, Ctx>,
): Promise<string[] | RpPage> {
  if (request.method === 'POST') {
    const form = await request.readForm();
    if (form.ok) return form.params.getAll('ticket');
    return { status: form.status, title: 'Support link not accepted', paragraphs: [form.message] };
  }
  if (request.method === 'GET' && config.ticketDelivery === 'query') {
    // PROTOCOL.md §3 step 3: only tenants configured for "query" receive tickets in URLs.
    const params = new URLSearchParams(request.query);
    return [...params.getAll('ticket'), ...params.getAll('token')];
  }
  return {
    status: 405,
    title: 'Support link not accepted',
    paragraphs: ['This app only accepts support links posted by the support console, never in a URL.', ASK_AGAIN],
  };
}

/** What the person at the keyboard can do about a failed redemption; details go to `onEvent`. */
function failurePage(err: GatehouseRpError): RpPage {
  if (err.code === 'ticket_rejected') {
    const first =
      err.error === 'invalid_client' || err.error === 'unauthorized_client'
        ? 'This app could not sign in to Gatehouse: its client settings are wrong.'
        : err.error === 'invalid_target'
          ? 'This support link was issued for a different app.'
          : 'This support link has already been used or has expired.';
    return { status: 400, title: 'Support link not accepted', paragraphs: [first, ASK_AGAIN], code: err.error ?? err.code };
  }
  if (err.code === 'issuer_unreachable' || err.code === 'issuer_bad_response') {
    return {
      status: 502,
      title: 'Gatehouse unavailable',
      paragraphs: ['Gatehouse could not be reached. The support link may be spent.', ASK_AGAIN],
      code: err.code,
    };
  }
  return {
    status: 502,
    title: 'Support session not accepted',
    paragraphs: ['Gatehouse issued a token this app does not accept; check the app\'s "origin" setting.'],
    code: err.code,
  };
}

/**
 * `redeemPath`: PROTOCOL.md §3 steps 3–4. Takes the one ticket of the console's form post (or
 * the query, when so configured; RFC 6749 §3.1: parameters are not repeated), redeems it and
 * says which token to keep. A new impersonation replaces one this browser still holds: that one
 * is revoked first.
 */
export async function redeem<User extends object, Ctx>(
  request: RpRequest,
  ctx: Ctx,
  config: RpConfig<User, Ctx>,
): Promise<RedeemResult> {
  const values = await ticketValues(request, config);
  if (!Array.isArray(values)) return { page: values, stored: 'kept' };
  const ticket = values.length === 1 ? values[0] : undefined;
  if (!ticket) {
    const paragraphs = ['The support link carries no single ticket.', ASK_AGAIN];
    return { page: { status: 400, title: 'Support link incomplete', paragraphs }, stored: 'kept' };
  }
  let redeemed: Awaited<ReturnType<typeof redeemTicket>>;
  try {
    redeemed = await redeemTicket(ticket, { ...config.credentials, ...config.verify });
  } catch (err) {
    if (!(err instanceof GatehouseRpError)) throw err;
    config.emit({ type: 'rejected', error: err }, ctx);
    return { page: failurePage(err), stored: 'kept' };
  }
  if (request.token) await endStoredImpersonation(request.token, ctx, config);
  const { claims, accessToken, expiresIn } = redeemed;
  config.recheck.markActive(claims.impersonation.sid, claims.exp);
  config.emit(
    {
      type: 'redeemed',
      sid: claims.impersonation.sid,
      sub: claims.sub,
      actor: claims.act.sub,
      reason: claims.impersonation.reason,
      expiresAt: new Date(claims.exp * 1000),
    },
    ctx,
  );
  return { token: accessToken, maxAgeMs: expiresIn * 1000 };
}
