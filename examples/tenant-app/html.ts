/**
 * Page rendering. Every interpolated value goes through {@link escapeHtml}; the only markup that
 * is not escaped is markup built here from escaped parts. No inline script or style: the CSP
 * is `script-src 'self'; style-src 'self'`.
 */
import type { Context } from 'koa';
import type { GatehouseRpState } from '@gatehouse/rp';
import { csrfToken } from './csrf.js';
import { STOP_PATH, type TenantSite } from './options.js';
import type { AppUser } from './session.js';

export type SiteState = GatehouseRpState<AppUser>;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Remaining time as mm:ss (minutes may exceed 59: an 8 h session shows 480:00). */
export function formatRemaining(expiresAt: Date, now = Date.now()): string {
  const seconds = Math.max(0, Math.floor((expiresAt.getTime() - now) / 1000));
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

/** A POST form with the CSRF field; `fields` are escaped. */
export function postForm(ctx: Context, action: string, button: string, fields: Record<string, string> = {}, cls = ''): string {
  const hidden = Object.entries({ ...fields, csrf: csrfToken(ctx) })
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const classAttr = cls ? ` class="${escapeHtml(cls)}"` : '';
  return `<form method="post" action="${escapeHtml(action)}"${classAttr}>${hidden}<button type="submit">${escapeHtml(button)}</button></form>`;
}

/** People's text (names, emails, reasons), escaped and isolated: nothing in it can reorder the text around it (PROTOCOL §10.7). */
export function isolate(value: unknown): string {
  return `<bdi>${escapeHtml(value)}</bdi>`;
}

/**
 * The impersonation banner (PROTOCOL.md §8, packages/rp/README.md "Security notes"): who the app acts as,
 * which admin is really at the keyboard, the time left, the reason, and the way out. The
 * user, the admin and the reason are isolated; the banner's own sentences stay outside.
 */
export function banner(ctx: Context): string {
  // Divs, not paragraphs: a <form> inside <p> makes the parser close the paragraph early.
  const { impersonation, currentUser } = ctx.state as SiteState;
  if (!impersonation) return '';
  const who = currentUser?.email ?? impersonation.sub;
  const remaining = formatRemaining(impersonation.expiresAt);
  return `<div class="impersonation-banner" role="alert">
  <div class="banner-line">You are signed in as <strong>${isolate(who)}</strong> — impersonated by <strong>${isolate(impersonation.actorDisplay || 'support')}</strong> — ends in <time data-countdown="${impersonation.expiresAt.getTime()}" datetime="${escapeHtml(impersonation.expiresAt.toISOString())}">${remaining}</time> — ${postForm(ctx, STOP_PATH, 'Stop', {}, 'inline')}</div>
  <p class="reason">Reason: ${isolate(impersonation.reason)}</p>
  <p class="safety">Payments and notification emails are off during this support session.</p>
</div>`;
}

export interface PageOptions {
  title: string;
  /** A person's name after the title, isolated in the heading (<bdi>). */
  titleSubject?: string;
  /** Trusted markup, built from escaped parts. */
  body: string;
}

/** The layout: header with the tenant's name and colour, the banner, navigation, the page. */
export function layout(ctx: Context, site: TenantSite, page: PageOptions): string {
  const { impersonation, currentUser } = ctx.state as SiteState;
  const nav = currentUser
    ? `<a href="/">Home</a> <a href="/profile">Profile</a>${impersonation ? '' : ` ${postForm(ctx, '/logout', 'Sign out', {}, 'inline')}`}`
    : `<a href="/">Home</a> <a href="/login">Sign in</a>`;
  // Analytics never see a support session (the admin's clicks are not the user's behaviour).
  const analytics = impersonation ? '' : '\n<script src="/analytics.js" defer></script>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.titleSubject ? `${page.title} ${page.titleSubject}` : page.title)} · ${escapeHtml(site.name)}</title>
<link rel="stylesheet" href="/app.css">
<link rel="stylesheet" href="/theme.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<script src="/countdown.js" defer></script>${analytics}
</head>
<body>
${banner(ctx)}
<header><span class="brand">${escapeHtml(site.name)}</span><nav>${nav}</nav></header>
<main>
<h1>${escapeHtml(page.title)}${page.titleSubject ? ` ${isolate(page.titleSubject)}` : ''}</h1>
${page.body}
</main>
<footer>Demo tenant app for <code>${escapeHtml(site.id)}</code> at ${escapeHtml(site.origin)}, signed in through Gatehouse.</footer>
</body>
</html>
`;
}

/** Answers with the layout around `body`. */
export function sendHtml(ctx: Context, site: TenantSite, status: number, page: PageOptions): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = layout(ctx, site, page);
}
