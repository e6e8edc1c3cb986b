import { backchannelLogout } from './backchannel-logout.js';
import type { RpConfig } from './config.js';
import type { RpAnswer, RpOutcome, RpRequest } from './exchange.js';
import { readState } from './impersonation.js';
import { NO_STORE_HEADERS, renderDefaultPage } from './page.js';
import { redeem } from './redeem.js';
import { endStoredImpersonation } from './stop.js';
import type { GatehouseRpState, RpPage } from './types.js';

function pageAnswer<User extends object, Ctx>(page: RpPage, ctx: Ctx, config: RpConfig<User, Ctx>): RpAnswer {
  const html = config.renderPage ? config.renderPage(page, ctx) : renderDefaultPage(page);
  return { status: page.status, headers: { ...NO_STORE_HEADERS }, html };
}

/** RFC 9110 §15.4.4: after a POST, the browser follows a 303 with a GET. */
const seeOther = (location: string): RpAnswer => ({ status: 303, headers: { ...NO_STORE_HEADERS }, location });

/**
 * The kit's whole behaviour for one request, independent of any framework (PROTOCOL.md §8):
 *
 * - `redeemPath`: redeem the ticket, keep the token, 303 to `afterRedeem` (or a page saying why not);
 * - `stopPath`: POST only; revoke the token, clear the cookie, 303 to `afterStop`;
 * - `backchannelLogoutPath`: POST of a logout token from Gatehouse; drop the session it names;
 * - anything else: the state for the app (`currentUser`, `trueUser`, `impersonation`).
 */
export async function handleRpRequest<User extends object, Ctx>(
  request: RpRequest,
  ctx: Ctx,
  config: RpConfig<User, Ctx>,
): Promise<RpOutcome<GatehouseRpState<User>>> {
  if (request.path === config.redeemPath) {
    const result = await redeem(request, ctx, config);
    if ('page' in result) {
      const answer = pageAnswer(result.page, ctx, config);
      if (result.page.status === 405) answer.headers.Allow = config.ticketDelivery === 'query' ? 'GET, POST' : 'POST';
      return { answer };
    }
    return { answer: seeOther(config.afterRedeem(ctx)), cookie: result };
  }
  if (request.path === config.backchannelLogoutPath) {
    return { answer: await backchannelLogout(request, ctx, config) };
  }
  if (request.path === config.stopPath) {
    if (request.method !== 'POST') {
      const page = { status: 405, title: 'Method not allowed', paragraphs: ['Stop impersonating with the button in the banner.'] };
      const answer = pageAnswer(page, ctx, config);
      answer.headers.Allow = 'POST';
      return { answer };
    }
    if (!request.token) return { answer: seeOther(config.afterStop(ctx)) };
    await endStoredImpersonation(request.token, ctx, config);
    return { answer: seeOther(config.afterStop(ctx)), cookie: { clear: true } };
  }
  return readState(request.token, ctx, config);
}
