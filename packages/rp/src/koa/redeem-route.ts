import type { Context } from 'koa';
import { GatehouseRpError } from '../errors.js';
import { redeemTicket } from '../token/redeem-ticket.js';
import { sendPage } from './html-page.js';
import { setImpersonationCookie } from './impersonation-cookie.js';
import { readFormBody } from './read-form-body.js';
import type { RpConfig } from './resolve-config.js';
import { endStoredImpersonation } from './stop-route.js';

const ASK_AGAIN = 'Ask the support agent to start the impersonation again from the support console.';

/** The ticket values this request carries, or undefined after answering it with an error page. */
async function ticketValues<User extends object>(ctx: Context, config: RpConfig<User>): Promise<string[] | undefined> {
  if (ctx.method === 'POST') {
    const form = await readFormBody(ctx);
    if (form.ok) return form.params.getAll('ticket');
    sendPage(ctx, form.status, 'Support link not accepted', [form.message]);
    return undefined;
  }
  if (ctx.method === 'GET' && config.ticketDelivery === 'query') {
    // PROTOCOL.md §3 step 3: only tenants configured for "query" receive tickets in URLs.
    const params = new URLSearchParams(ctx.querystring);
    return [...params.getAll('ticket'), ...params.getAll('token')];
  }
  ctx.set('Allow', config.ticketDelivery === 'query' ? 'GET, POST' : 'POST');
  sendPage(ctx, 405, 'Support link not accepted', [
    'This app only accepts support links posted by the support console, never in a URL.',
    ASK_AGAIN,
  ]);
  return undefined;
}

/** The one ticket of this request (RFC 6749 §3.1: parameters are not repeated), else answers with an error page. */
async function readTicket<User extends object>(ctx: Context, config: RpConfig<User>): Promise<string | undefined> {
  const values = await ticketValues(ctx, config);
  if (!values) return undefined;
  if (values.length === 1 && values[0]) return values[0];
  sendPage(ctx, 400, 'Support link incomplete', ['The support link carries no single ticket.', ASK_AGAIN]);
  return undefined;
}

/** What the person at the keyboard can do about a failed redemption; details go to `onEvent`. */
function sendRedeemFailure(ctx: Context, err: GatehouseRpError): void {
  if (err.code === 'ticket_rejected') {
    const first =
      err.error === 'invalid_client' || err.error === 'unauthorized_client'
        ? 'This app could not sign in to Gatehouse: its client settings are wrong.'
        : err.error === 'invalid_target'
          ? 'This support link was issued for a different app.'
          : 'This support link has already been used or has expired.';
    sendPage(ctx, 400, 'Support link not accepted', [first, ASK_AGAIN, `Reason: ${err.error ?? err.code}`]);
  } else if (err.code === 'issuer_unreachable' || err.code === 'issuer_bad_response') {
    sendPage(ctx, 502, 'Gatehouse unavailable', ['Gatehouse could not be reached. The ticket may be spent.', ASK_AGAIN]);
  } else {
    sendPage(ctx, 502, 'Support session not accepted', [
      'Gatehouse issued a token this app does not accept; check the app\'s "origin" setting.',
      `Reason: ${err.code}`,
    ]);
  }
}

/**
 * `redeemPath`: PROTOCOL.md §3 steps 3–4. Takes the ticket from the console's form post (or the
 * query, when so configured), redeems it, keeps the token in the signed cookie and 303s to
 * `afterRedeem`. Never cached and never leaks the URL (a query ticket) as a referrer.
 */
export async function redeemRoute<User extends object>(ctx: Context, config: RpConfig<User>): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  const ticket = await readTicket(ctx, config);
  if (ticket === undefined) return;
  let redeemed: Awaited<ReturnType<typeof redeemTicket>>;
  try {
    redeemed = await redeemTicket(ticket, { ...config.credentials, ...config.verify });
  } catch (err) {
    if (!(err instanceof GatehouseRpError)) throw err;
    config.emit({ type: 'rejected', error: err }, ctx);
    sendRedeemFailure(ctx, err);
    return;
  }
  // A new impersonation replaces one still held by this browser: end that one properly first.
  await endStoredImpersonation(ctx, config);
  const { claims, accessToken, expiresIn } = redeemed;
  setImpersonationCookie(ctx, config.cookieName, accessToken, expiresIn * 1000);
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
  ctx.redirect(config.afterRedeem(ctx));
  ctx.status = 303; // RFC 9110 §15.4.4: the browser follows with a GET
}
