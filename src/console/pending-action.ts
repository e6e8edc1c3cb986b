/**
 * Console actions that wait for a passkey step-up (PROTOCOL §3 step 1, §10.1), in one
 * place. A console form whose change needs a fresh step-up — approving or denying as the
 * second admin, managing admins and users, changing passkeys, starting an impersonation —
 * posted while the session's is not fresh, is kept here: its path and its fields (never the
 * CSRF token), in the console session on the server, for ten minutes, for that admin only.
 * The admin goes through the step-up; back from it, the callback comes to `/admin/resume`,
 * whose form posts to the same route with the action's one-time nonce and a fresh CSRF
 * token — by itself (static/console.js), or with the one button it shows — and nothing
 * else: `resumePostedAction` puts the kept fields back as the request's body, server-side
 * (a support access code typed into the form is never rendered back). The route then runs
 * every one of its checks again, on a fresh session. Nothing is dropped on the way, and
 * nothing runs that the admin did not post.
 *
 * @example
 * router.post('/:id/disable', parseForm, async (ctx) => {
 *   // CSRF and rights first, then:
 *   if (!(await requireFreshStepUp(ctx, services, sessions, signedIn, 'Disable the user'))) return;
 *   await disableUser(...);
 * });
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { field, parseForm } from '../http/body.js';
import type { Services } from '../services.js';
import { type ConsoleSessions, consolePage, queryValue, type SignedInAdmin, signedInAdmin } from './page.js';
import { type ConsoleSession, isSteppedUp } from './session.js';

/** A posted console form waiting for the admin's step-up. */
export interface PendingAction {
  /** The console route it was posted to (under /admin/). */
  path: string;
  /** Its fields, in order, without the CSRF token. */
  fields: [string, string][];
  /** What it does, in words: the resume page's button. */
  label: string;
  /** The admin who posted it: only their step-up resumes it. */
  adminId: string;
  /** One-time nonce of the resume page's URL. */
  resume: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** How long a posted action waits for its step-up before it must be done again. */
export const PENDING_ACTION_TTL_MS = 10 * 60_000;
/** The query parameter of the resume page's post: the action's nonce. */
const RESUMED = 'resumed';
const CONSOLE_PATH = /^\/admin\/[A-Za-z0-9_./-]{1,200}$/;
/** Console forms are a handful of short fields; anything bigger is not one of ours. */
const MAX_FIELDS = 40;
const MAX_VALUE = 4000;

/** The form's fields as posted (repeated ones kept), without the CSRF token and our marker. */
function formFields(body: unknown): [string, string][] | null {
  if (!body || typeof body !== 'object') return [];
  const fields: [string, string][] = [];
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name === 'csrf') continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one !== 'string' || one.length > MAX_VALUE) return null;
      fields.push([name, one]);
    }
  }
  return fields.length <= MAX_FIELDS ? fields : null;
}

/** Whether this post is the resume page's: the kept form, after a step-up made for it. */
export function followsStepUp(ctx: Context): boolean {
  return ctx.state.resumedAfterStepUp === true;
}

/**
 * Keeps the posted form and sends the browser through the step-up; the resume page posts
 * it again afterwards. A post that already follows a step-up is not sent round again (a
 * step-up that does not hold is an error to show, not a loop).
 */
export async function stepUpFirst(ctx: Context, sessions: ConsoleSessions, signedIn: SignedInAdmin, label: string): Promise<void> {
  const fields = formFields(ctx.request.body);
  if (followsStepUp(ctx) || !fields || !CONSOLE_PATH.test(ctx.path)) {
    return consolePage(ctx, 'console/message', { title: label, error: 'Your passkey confirmation did not hold for this change. Try again from the console.', link: { href: '/admin', text: 'Console' } }, 409);
  }
  await keepForStepUp(ctx, sessions, signedIn, { path: ctx.path, fields, label });
}

/** Keeps an action (a console form to post again) and sends the browser through the step-up. */
export async function keepForStepUp(ctx: Context, sessions: ConsoleSessions, signedIn: SignedInAdmin, form: Pick<PendingAction, 'path' | 'fields' | 'label'>): Promise<void> {
  const action: PendingAction = { ...form, adminId: signedIn.admin.id, resume: randomBytes(24).toString('base64url'), createdAt: Date.now() };
  await sessions.update(ctx, { ...signedIn.session, action });
  ctx.status = 303;
  ctx.redirect('/admin/stepup');
}

/** True when the session's step-up is fresh; otherwise `stepUpFirst` and false. */
export async function requireFreshStepUp(ctx: Context, services: Services, sessions: ConsoleSessions, signedIn: SignedInAdmin, label: string): Promise<boolean> {
  if (isSteppedUp(signedIn.session, services.config.policy.stepUpMaxAge)) return true;
  await stepUpFirst(ctx, sessions, signedIn, label);
  return false;
}

/**
 * For the step-up callback: the action that waited for this step-up, to keep in the new
 * session, and the resume page to go to. Only for the same admin, and while it is recent.
 */
export function carryOverAction(previous: ConsoleSession | null, adminId: string): { action: PendingAction; url: string } | null {
  const action = previous?.action;
  if (!action || action.adminId !== adminId || previous?.adminId !== adminId || Date.now() - action.createdAt > PENDING_ACTION_TTL_MS) return null;
  return { action, url: `/admin/resume?action=${action.resume}` };
}

/** `GET /admin/resume?action=…`: the form again, with a fresh CSRF token, sent by itself. */
export function resumeRoutes(sessions: ConsoleSessions) {
  const router = new Router({ prefix: '/admin' });
  router.get('/resume', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    const { action } = signedIn.session;
    const fresh = action && queryValue(ctx, 'action', 64) === action.resume && action.adminId === signedIn.admin.id && Date.now() - action.createdAt <= PENDING_ACTION_TTL_MS;
    if (!action || !fresh) {
      return consolePage(ctx, 'console/message', { title: 'Nothing to resume', error: 'This was already done, or waited too long. Do it again from the console.', link: { href: '/admin', text: 'Console' } }, 410);
    }
    ctx.set('Referrer-Policy', 'no-referrer');
    // Only where it goes and the nonce: the fields stay on the server.
    consolePage(ctx, 'console/resume', { title: 'Confirmed: finishing what you asked', action: `${action.path}?${RESUMED}=${action.resume}`, label: action.label });
  });
  return router;
}

/**
 * The resume page's post (`POST <path>?resumed=<nonce>`): once, for the admin whose action
 * it is and while it is recent, the kept fields become the request's body (with the page's
 * CSRF token), so the route runs as when the admin first posted the form. Mounted before the
 * console's routes; every other request passes untouched.
 */
export function resumePostedAction(sessions: ConsoleSessions) {
  return async function resumePostedActionMiddleware(ctx: Context, next: Next) {
    const nonce = ctx.method === 'POST' && ctx.path.startsWith('/admin/') ? queryValue(ctx, RESUMED, 64) : undefined;
    if (nonce === undefined) return next();
    const signedIn = await sessions.current(ctx);
    if (!signedIn) {
      ctx.status = 303;
      return ctx.redirect('/admin');
    }
    const { action, ...rest } = signedIn.session;
    const fresh = action && nonce === action.resume && action.path === ctx.path && action.adminId === signedIn.admin.id && Date.now() - action.createdAt <= PENDING_ACTION_TTL_MS;
    if (!action || !fresh) {
      return consolePage(ctx, 'console/message', { title: 'Nothing to resume', error: 'This was already done, or waited too long. Do it again from the console.', link: { href: '/admin', text: 'Console' } }, 410);
    }
    await parseForm(ctx, async () => {});
    // Once: a reload or the back button finds nothing to post again.
    await sessions.update(ctx, rest);
    const body: Record<string, string | string[]> = {};
    for (const [name, value] of action.fields) {
      const held = body[name];
      body[name] = held === undefined ? value : [...(Array.isArray(held) ? held : [held]), value];
    }
    const csrf = field(ctx.request.body, 'csrf');
    ctx.request.body = { ...body, ...(csrf ? { csrf } : {}) };
    ctx.state.resumedAfterStepUp = true;
    return next();
  };
}
