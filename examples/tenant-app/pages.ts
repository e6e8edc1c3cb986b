/**
 * The tenant app's own pages: home with an invoice to pay, the profile, and two actions. Paying
 * is guarded (money never moves during a support session); emailing the invoice is allowed but
 * the email is suppressed (see notifications.ts).
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { refuseWhileImpersonating } from './guard.js';
import { escapeHtml, isolate, postForm, type SiteState, sendHtml } from './html.js';
import type { SendEmail } from './notifications.js';
import type { TenantSite } from './options.js';

/** The one open invoice of the demo. */
const INVOICE = { id: 'INV-1042', amount: '€120.00' };

function requireUser(site: TenantSite) {
  return async function requireUserMiddleware(ctx: Context, next: Next) {
    if ((ctx.state as SiteState).currentUser) return next();
    if (ctx.method === 'GET') return ctx.redirect(`/login?return_to=${encodeURIComponent(ctx.path)}`);
    sendHtml(ctx, site, 401, { title: 'Signed out', body: '<p>Your session has ended. <a href="/login">Sign in</a> again.</p>' });
  };
}

function invoiceField(ctx: Context): string | undefined {
  const value = (ctx.request as { body?: Record<string, unknown> }).body?.['invoice'];
  return value === INVOICE.id ? value : undefined;
}

function home(ctx: Context, site: TenantSite): void {
  const { currentUser } = ctx.state as SiteState;
  if (!currentUser) {
    sendHtml(ctx, site, 200, {
      title: `Welcome to ${site.name}`,
      body: '<p>You are not signed in.</p><p><a class="button" href="/login">Sign in with Gatehouse</a></p>',
    });
    return;
  }
  const email = currentUser.email ? ` (${isolate(currentUser.email)})` : '';
  sendHtml(ctx, site, 200, {
    title: 'Hello,',
    titleSubject: currentUser.name ?? currentUser.sub,
    body: `<p class="whoami">You are signed in as <strong>${isolate(currentUser.name ?? currentUser.sub)}</strong>${email}.</p>
<section class="invoice">
<h2>Invoice ${escapeHtml(INVOICE.id)}</h2>
<p>Amount due: ${escapeHtml(INVOICE.amount)}</p>
${postForm(ctx, '/payment', 'Pay invoice', { invoice: INVOICE.id })}
${postForm(ctx, '/invoices/email', 'Email me this invoice', { invoice: INVOICE.id })}
</section>`,
  });
}

function profile(ctx: Context, site: TenantSite): void {
  const { currentUser, impersonation } = ctx.state as SiteState;
  // [label, value, whether it is people's text (isolated)]
  const rows: [string, unknown, boolean][] = [
    ['User id', currentUser?.sub, false],
    ['Name', currentUser?.name, true],
    ['Email', currentUser?.email, true],
    ['Organisation', currentUser?.tenant ?? site.id, false],
  ];
  if (impersonation) {
    rows.push(['Support agent', impersonation.actorDisplay || 'support', true], ['Reason', impersonation.reason, true], ['Support session', impersonation.sid, false]);
  }
  const cell = (v: unknown, people: boolean) => (v == null ? '—' : people ? isolate(v) : escapeHtml(v));
  const table = rows.map(([k, v, people]) => `<tr><th>${escapeHtml(k)}</th><td>${cell(v, people)}</td></tr>`).join('\n');
  sendHtml(ctx, site, 200, { title: 'Your profile', body: `<table class="profile">\n${table}\n</table>` });
}

export function pageRoutes(site: TenantSite, sendEmail: SendEmail) {
  const router = new Router<SiteState>();
  const signedIn = requireUser(site);

  router.get('/', (ctx) => home(ctx, site));
  router.get('/profile', signedIn, (ctx) => profile(ctx, site));

  router.post(
    '/payment',
    signedIn,
    refuseWhileImpersonating(site, 'Payments cannot be made while a support agent is signed in as this user. Stop impersonating first; the user must pay themselves.'),
    (ctx) => {
      const invoice = invoiceField(ctx);
      if (!invoice) return sendHtml(ctx, site, 400, { title: 'Unknown invoice', body: '<p>That invoice is not open.</p>' });
      sendEmail(ctx, { subject: `Payment received for ${invoice}`, text: `We received ${INVOICE.amount}.` });
      sendHtml(ctx, site, 200, {
        title: 'Payment sent (demo)',
        body: `<p class="notice">Payment sent (demo): ${escapeHtml(INVOICE.amount)} for ${escapeHtml(invoice)}. A receipt is on its way by email.</p><p><a href="/">Back</a></p>`,
      });
    },
  );

  router.post('/invoices/email', signedIn, (ctx) => {
    const invoice = invoiceField(ctx);
    if (!invoice) return sendHtml(ctx, site, 400, { title: 'Unknown invoice', body: '<p>That invoice is not open.</p>' });
    const sent = sendEmail(ctx, { subject: `Your invoice ${invoice}`, text: `Amount due: ${INVOICE.amount}.` });
    sendHtml(ctx, site, 200, {
      title: sent ? 'Invoice sent' : 'Email not sent',
      body: sent
        ? `<p class="notice">Invoice ${escapeHtml(invoice)} is on its way to your inbox.</p><p><a href="/">Back</a></p>`
        : '<p class="notice">Emails to the user are switched off during a support session; nothing was sent.</p><p><a href="/">Back</a></p>',
    });
  });

  return router;
}
