/**
 * One tenant's site: a Koa app with its own cookie keys, its normal OIDC sign-in, and the RP kit
 * for impersonation. The order of the middleware is the point of this file:
 *
 *   errors → security headers → static files → form bodies → CSRF → gatehouseRp → log → routes
 *
 * CSRF runs before the kit so that the kit's Stop route is protected too; the kit runs before
 * every route so that `ctx.state.impersonation` is always known when a page renders, and so that
 * it sees every request a support agent makes (it reports them to Gatehouse, static files aside).
 */
import { bodyParser } from '@koa/bodyparser';
import Koa, { type Context, type Next } from 'koa';
import helmet from 'koa-helmet';
import type { GatehouseRpEvent } from '@gatehouse/rp';
import { gatehouseRp } from '@gatehouse/rp/koa';
import { serveAssets } from './assets.js';
import { checkCsrf } from './csrf.js';
import { type SiteState, sendHtml } from './html.js';
import { impersonatedProfiles } from './impersonated-profile.js';
import { renderKitPage } from './kit-pages.js';
import { emailSender } from './notifications.js';
import { loginRoutes, oidcClient } from './oidc-login.js';
import { BACKCHANNEL_LOGOUT_PATH, type ResolvedOptions, STOP_PATH, type TenantSite } from './options.js';
import { pageRoutes } from './pages.js';
import { readSession } from './session.js';

/** An `onEvent` record for the log: never the token, only what an auditor needs. */
function describeEvent(event: GatehouseRpEvent): Record<string, unknown> {
  const { type } = event;
  switch (type) {
    case 'redeemed':
      return { event: type, sid: event.sid, sub: event.sub, impersonatedBy: event.actor, reason: event.reason };
    case 'stopped':
      return { event: type, sid: event.sid, revoked: event.revoked, err: event.error?.code };
    case 'ended':
      return { event: type, sid: event.sid, err: event.error.code };
    case 'rejected':
      return { event: type, err: event.error.code, error: event.error.error };
    case 'logged_out':
      return { event: type, sid: event.sid, sub: event.sub };
    case 'logout_rejected':
      return { event: type, err: event.error.code };
    case 'activity_not_recorded':
      return { event: type, sid: event.sid, count: event.count, err: event.error.code, error: event.error.error };
  }
}

export function createTenantSite(site: TenantSite, options: ResolvedOptions): Koa<SiteState> {
  const { logger, issuer } = options;
  const app = new Koa<SiteState>();
  app.keys = site.keys;
  app.proxy = options.proxy;
  app.silent = true;
  const client = oidcClient(issuer, site);
  const profiles = impersonatedProfiles(site, client, logger);

  app.use(async function errors(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      if (status >= 500) logger.error({ tenant: site.id, path: ctx.path, err: String(err) }, 'request failed');
      sendHtml(ctx, site, status, {
        title: status >= 500 ? 'Something went wrong' : 'Request not accepted',
        body: '<p>Please go back and try again.</p>',
      });
    }
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          connectSrc: ["'self'"],
          // Form posts that redirect on (sign-out to Gatehouse, Stop back to the console) count too.
          formAction: ["'self'", ...new Set([new URL(issuer).origin, new URL(options.consoleUrl).origin])],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      strictTransportSecurity: site.origin.startsWith('https://'),
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use(serveAssets(site));
  app.use(
    bodyParser({
      enableTypes: ['form'],
      formLimit: '8kb',
      onError: (_err, ctx) => ctx.throw(400, 'the form could not be read'),
    }),
  );
  app.use(
    checkCsrf({
      // The console's cross-site form post of a ticket: the one-time ticket is its own proof. The
      // back-channel logout comes from Gatehouse's server: the signed logout token is its proof.
      exempt: [site.redeemPath, BACKCHANNEL_LOGOUT_PATH],
      refuse: (ctx) =>
        sendHtml(ctx, site, 403, { title: 'Form expired', body: '<p>This form has expired. Reload the page and try again.</p>' }),
    }),
  );
  app.use(
    gatehouseRp({
      issuer,
      clientId: site.clientId,
      clientSecret: site.clientSecret,
      origin: site.origin,
      redeemPath: site.redeemPath,
      stopPath: STOP_PATH,
      backchannelLogoutPath: BACKCHANNEL_LOGOUT_PATH,
      // What support did goes to Gatehouse for the user's account page; the browser's own
      // favicon probe is not something the agent did.
      recordActivity: (ctx) => ctx.path !== '/favicon.ico',
      ticketDelivery: site.ticketDelivery,
      ...(options.recheckSeconds !== undefined ? { recheckSeconds: options.recheckSeconds } : {}),
      afterRedeem: '/',
      // Stop lands on the console's Sessions page: the session just ended, with what was done in it.
      afterStop: `${options.consoleUrl.replace(/\/$/, '')}/sessions`,
      renderPage: (page, ctx) => renderKitPage(ctx, site, options.consoleUrl, page),
      getUser: (ctx) => readSession(ctx)?.user ?? null,
      getUserById: (sub, ctx) => profiles.load(sub, ctx),
      onEvent: (event) => {
        if ((event.type === 'stopped' || event.type === 'ended' || event.type === 'logged_out') && event.sid) profiles.forget(event.sid);
        logger.info({ tenant: site.id, ...describeEvent(event) }, `impersonation ${event.type}`);
      },
    }),
  );
  app.use(async function logImpersonatedRequests(ctx, next) {
    const { impersonation } = ctx.state;
    if (impersonation) {
      logger.info(
        { tenant: site.id, method: ctx.method, path: ctx.path, impersonatedBy: impersonation.actor, sid: impersonation.sid },
        'impersonated request',
      );
    }
    await next();
  });
  const login = loginRoutes(site, client, logger);
  const pages = pageRoutes(site, emailSender(site, logger));
  app.use(login.routes()).use(login.allowedMethods());
  app.use(pages.routes()).use(pages.allowedMethods());
  app.use(async function notFound(ctx) {
    sendHtml(ctx, site, 404, { title: 'Not found', body: '<p>There is no such page. <a href="/">Home</a></p>' });
  });
  return app;
}
