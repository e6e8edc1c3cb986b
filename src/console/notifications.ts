/**
 * Webhook deliveries that ran out of attempts (PROTOCOL §6: dead letters visible in the
 * console), each with a Retry button that queues it again with a fresh set of attempts.
 */
import Router from '@koa/router';
import { field, parseForm } from '../http/body.js';
import { csrfValid } from '../http/csrf.js';
import type { Services } from '../services.js';
import { consolePage, queryValue, signedInAdmin, type ConsoleSessions } from './page.js';

const NOTICES: Record<string, string> = {
  retried: 'Queued again: it is delivered with a fresh set of attempts.',
  gone: 'That delivery is no longer a dead letter (already retried, or removed).',
};

export function notificationRoutes(services: Services, sessions: ConsoleSessions) {
  const router = new Router({ prefix: '/admin/notifications' });

  router.get('/', async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    // Read through `services` at request time: the notifier is the process's one queue.
    const letters = await services.notifier.deadLetters(100);
    consolePage(ctx, 'console/notifications', {
      title: 'Notifications',
      webhooks: services.config.webhooks.length,
      letters: letters.map((l) => ({ ...l, failedAt: l.failedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z') })),
      notice: NOTICES[queryValue(ctx, 'done', 16) ?? ''],
    });
  });

  router.post('/:id/retry', parseForm, async (ctx) => {
    const signedIn = await signedInAdmin(ctx, sessions);
    if (!signedIn) return;
    if (!csrfValid(ctx, field(ctx.request.body, 'csrf'))) {
      return consolePage(ctx, 'console/message', { title: 'Notifications', error: 'Your session expired. Reload the page and try again.' }, 403);
    }
    const id = ctx.params.id ?? '';
    let done = 'retried';
    try {
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw new Error('not a job id');
      await services.notifier.retryDeadLetter(id);
      ctx.state.log?.info({ deadLetter: id, admin: signedIn.admin.id }, 'dead letter retried');
    } catch {
      done = 'gone';
    }
    ctx.status = 303;
    ctx.redirect(`/admin/notifications?done=${done}`);
  });

  return router;
}
