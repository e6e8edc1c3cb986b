/**
 * `POST /impersonation/activity` (PROTOCOL §8): the tenant app's RP kit reports what was
 * done during an impersonation, in batches, authenticated as the tenant client that
 * redeemed the session (client_secret_basic). JSON in, JSON out; refusals are RFC 6749
 * §5.2 bodies with the reasons of src/activity/reasons.ts.
 *
 *   POST /impersonation/activity
 *   Authorization: Basic base64(client_id:client_secret)
 *   Content-Type: application/json
 *   {"sid": "imp_…", "activity": [{"method": "GET", "path": "/invoices", "status": 200, "at": 1767225600000, "blocked": false}]}
 *
 *   200 {"recorded": 1, "total": 7}
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { ActivityError, activityReasons, recordActivity } from '../activity/index.js';
import { IMPERSONATION_ACTIVITY_PATH } from '../oidc/provider.js';
import type { Services } from '../services.js';
import { authenticateClient } from './client-auth.js';

/** Room for a full batch of the longest entries (two 512-character paths each), and no more. */
const bodyLimit = (perBatch: number) => 1024 + perBatch * 1280;

function refuse(ctx: Context, error: ActivityError) {
  const reason = activityReasons[error.code];
  ctx.status = reason.status;
  if (reason.status === 401) ctx.set('WWW-Authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
  ctx.body = { error: reason.error, error_description: error.message };
}

/** The body as text, at most `limit` bytes (stops reading past it). */
async function readBody(ctx: Context, limit: number): Promise<string> {
  if (Number(ctx.get('content-length') || 0) > limit) throw new ActivityError('body_too_large', `the report is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.set('Connection', 'close');
      throw new ActivityError('body_too_large', `the report is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function activityRoutes(services: Services) {
  const { config, store, audit } = services;
  const limits = { perBatch: config.policy.activityPerBatch, perSession: config.policy.activityPerSession };
  const router = new Router();

  router.post(IMPERSONATION_ACTIVITY_PATH, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    let clientId: string | undefined;
    try {
      const client = authenticateClient(services.tenancy.view(), ctx.get('authorization'));
      if (!client) throw new ActivityError('client_unauthenticated');
      clientId = client.clientId;
      if (client.role !== 'tenant' || !client.tenant) throw new ActivityError('client_not_tenant');
      if (!ctx.is('application/json')) throw new ActivityError('content_type');
      let body: unknown;
      try {
        body = JSON.parse(await readBody(ctx, bodyLimit(limits.perBatch)));
      } catch (err) {
        if (err instanceof ActivityError) throw err;
        throw new ActivityError('body_invalid', 'the report is not valid JSON');
      }
      const result = await recordActivity(store, audit, { clientId: client.clientId, tenant: client.tenant }, body, limits);
      ctx.body = result;
    } catch (err) {
      if (!(err instanceof ActivityError)) throw err;
      ctx.state.log?.info({ client: clientId, code: err.code }, 'activity report refused');
      refuse(ctx, err);
    }
  });
  return router;
}
