/**
 * `/admin/dev-token`, in development only: the signed-in admin's own actor token — the
 * access token the console holds for them after a passkey step-up (acr `phr`), which the
 * token exchange takes as `actor_token` — so that someone learning the protocol can make
 * the wire calls by hand (README, "Impersonation with curl") against `npm start`. Production
 * never registers the route: a token shown on a page is a token that can be copied.
 */
import Router from '@koa/router';
import type { Services } from '../services.js';
import { consolePage, humanDuration, type ConsoleSessions, signedInAdmin, utc } from './page.js';
import { isSteppedUp } from './session.js';

export function devTokenRoutes(services: Services, sessions: ConsoleSessions) {
  const router = new Router({ prefix: '/admin' });
  if (services.config.production) return router;
  router.get('/dev-token', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const { session } = signedIn;
    const fresh = isSteppedUp(session, services.config.policy.stepUpMaxAge);
    const stepUpUntil = session.authTime ? (session.authTime + services.config.policy.stepUpMaxAge) * 1000 : 0;
    ctx.set('Referrer-Policy', 'no-referrer');
    consolePage(ctx, 'console/dev-token', {
      title: 'Your actor token (development)',
      fresh,
      issuer: services.config.issuer,
      token: fresh ? session.accessToken : undefined,
      until: fresh ? utc(Math.min(stepUpUntil, session.expiresAt ?? stepUpUntil)) : '',
      maxAge: humanDuration(services.config.policy.stepUpMaxAge),
    });
  });
  return router;
}
