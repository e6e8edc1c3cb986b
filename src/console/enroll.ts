/**
 * Using a passkey enrollment link (PROTOCOL §3.1, §10.1): `/admin/enroll?token=…` asks for
 * the admin's password (limited per link: consume first, refund on success), then runs the
 * registration ceremony. The passkey is stored only by the request that takes the link
 * (GETDEL), so of any number of concurrent uses, on any instances, one registers a passkey.
 * No console session is needed or created: the admin signs in afterwards.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { type EnrollmentLink, linkHashOf, peekEnrollmentLink, takeEnrollmentLink } from '../enrollment/index.js';
import { field, parseForm } from '../http/body.js';
import { cookieSessions } from '../http/cookie-session.js';
import { csrfValid } from '../http/csrf.js';
import { refusePasskey, requestMeta, requireCsrfHeader } from '../http/passkey-ceremony.js';
import type { Services } from '../services.js';
import { keys } from '../store/keys.js';
import type { PasskeyAccount } from '../webauthn/index.js';
import { consolePage } from './page.js';

const COOKIE = 'gh_enroll';
/** Between the password and the end of the ceremony. */
const SESSION_TTL = 900;
const GONE = 'This enrollment link is invalid, has expired or was already used. Ask an admin who manages admins, or an operator (gatehouse admin enroll-link), for a new one.';

interface EnrollmentSession {
  linkHash: string;
  adminId: string;
}

/** The link was taken by another use between the check and the store. */
class LinkTaken extends Error {}

export function enrollRoutes(services: Services) {
  const { accounts, audit, passkeys, store, limiters } = services;
  const router = new Router({ prefix: '/admin/enroll' });
  const sessions = cookieSessions<EnrollmentSession>(store, { cookie: COOKIE, key: keys.enrollmentSession, ttl: SESSION_TTL });

  const page = (ctx: Context, data: Record<string, unknown>, status = 200) =>
    consolePage(ctx, 'console/enroll', { title: 'Register your passkey', nav: '', ...data }, status);
  const gone = (ctx: Context) => page(ctx, { error: GONE }, 410);

  /** The link and its admin while both are usable. */
  async function usable(linkHash: string | null): Promise<{ link: EnrollmentLink; account: PasskeyAccount } | null> {
    const link = linkHash ? await peekEnrollmentLink(store, linkHash) : null;
    const admin = link ? await accounts.admins.findById(link.admin) : null;
    if (!link || !admin || admin.disabled) return null;
    return { link, account: { kind: 'admin', id: admin.id, email: admin.email, name: admin.name } };
  }

  /** The browser's enrollment in progress, with its still usable link. */
  async function enrolling(ctx: Context) {
    const session = await sessions.load(ctx);
    const found = session ? await usable(session.linkHash) : null;
    return session && found && found.link.admin === session.adminId ? { ...found, linkHash: session.linkHash } : null;
  }

  router.get('/', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const found = await usable(linkHashOf(token));
    if (!found) return gone(ctx);
    ctx.set('Referrer-Policy', 'no-referrer');
    page(ctx, { step: 'password', token, email: found.account.email });
  });

  router.post('/', parseForm, async (ctx) => {
    const body = ctx.request.body;
    const token = field(body, 'token', 64) ?? '';
    const linkHash = linkHashOf(token);
    const found = await usable(linkHash);
    if (!found || !linkHash) return gone(ctx);
    const again = (status: number, error: string) => page(ctx, { step: 'password', token, email: found.account.email, error }, status);
    if (!csrfValid(ctx, field(body, 'csrf'))) return again(403, 'Your session expired. Please try again.');
    // Consume first, refund on success: concurrent guesses verify at most the limit's worth.
    const gate = await limiters.enrollmentAttemptsPerLink.consume(linkHash);
    if (!gate.allowed) {
      ctx.set('Retry-After', String(gate.retryAfter));
      return page(ctx, { error: 'Too many wrong passwords for this link. Ask for a new enrollment link.' }, 429);
    }
    const admin = await accounts.admins.authenticate(found.account.email, field(body, 'password', 1024) ?? '');
    if (admin?.id !== found.link.admin) return again(401, 'That password is not right.');
    await limiters.enrollmentAttemptsPerLink.refund(linkHash);
    await sessions.start(ctx, { linkHash, adminId: admin.id });
    ctx.status = 303;
    ctx.redirect('/admin/enroll/passkey');
  });

  router.get('/passkey', async (ctx) => {
    const found = await enrolling(ctx);
    if (!found) return gone(ctx);
    page(ctx, { step: 'passkey', email: found.account.email });
  });

  router.post('/options', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const found = await enrolling(ctx);
    if (!found) return ctx.throw(410, GONE);
    ctx.body = await passkeys.startRegistration(found.account);
  });

  router.post('/verify', parseForm, async (ctx) => {
    requireCsrfHeader(ctx);
    const found = await enrolling(ctx);
    if (!found) return ctx.throw(410, GONE);
    const body = ctx.request.body as { handle?: unknown; response?: unknown; name?: unknown };
    try {
      const passkey = await passkeys.finishRegistration({
        account: found.account,
        handle: body.handle,
        response: body.response,
        name: body.name,
        // Verified; now the single use: only the request that takes the link stores its passkey.
        beforeStore: async () => {
          if (!(await takeEnrollmentLink(store, found.linkHash))) throw new LinkTaken();
        },
      });
      await sessions.end(ctx);
      await audit.append({
        type: 'admin.passkey_registered',
        admin: found.account.id,
        outcome: 'success',
        ...requestMeta(ctx),
        details: { credentialId: passkey.id.slice(0, 64), name: passkey.name, deviceType: passkey.deviceType, via: 'enrollment_link', issuedBy: found.link.issuedBy },
      });
      ctx.body = { redirectTo: '/admin/enroll/done', passkey: { id: passkey.id, name: passkey.name, deviceType: passkey.deviceType } };
    } catch (err) {
      if (!(err instanceof LinkTaken)) return refusePasskey(services, ctx, err);
      await sessions.end(ctx);
      ctx.status = 410;
      ctx.body = { error: 'enrollment_link_used', error_description: GONE };
    }
  });

  router.get('/done', (ctx) => page(ctx, { step: 'done' }));

  return router;
}
