/**
 * Access transparency (PROTOCOL §6): anyone may fetch a log's newest signed checkpoint
 * and the key that signs them, so tenants and SIEMs can hold copies outside Gatehouse;
 * a tenant's client with the `audit:read` scope (client credentials) reads its own
 * tenant's log — entries with inclusion proofs, and consistency proofs from a size it
 * saw before — and nothing of another tenant's.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { AuditError, consistencyProof, eventOf, inclusionProofs, latestCheckpoint, logOrigin, type SignedCheckpoint } from '../audit/index.js';
import { findClientCredentials } from '../oidc/client-credentials.js';
import type { Services } from '../services.js';
import { keys as storeKeys } from '../store/keys.js';

/** The scope a tenant client asks for (client credentials) to read its tenant's log. */
export const AUDIT_READ_SCOPE = 'audit:read';
const MAX_ENTRIES = 1000;

function answer(ctx: Context, status: number, error: string, description: string) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description };
}

/** A query value as a non-negative integer; undefined when absent, null when malformed. */
function count(ctx: Context, name: string): number | undefined | null {
  const raw = ctx.query[name];
  if (raw === undefined) return undefined;
  return typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

export function transparencyRoutes(services: Services) {
  const { config, store, auditKey } = services;
  const router = new Router({ prefix: '/audit' });
  const known = (log: string) => services.audit.logs().includes(log);

  /** The newest checkpoint of a known log, or an answer saying why not. */
  async function checkpointOf(ctx: Context, log: string): Promise<SignedCheckpoint | null> {
    if (!known(log)) {
      answer(ctx, 404, 'not_found', 'no such log');
      return null;
    }
    const checkpoint = await latestCheckpoint(store, log);
    if (!checkpoint) answer(ctx, 404, 'not_found', `the log has no checkpoint yet; one comes within ${config.audit.checkpointSeconds} s of its first event`);
    return checkpoint;
  }

  /** RFC 6750: a client_credentials token with `audit:read`, of a tenant client of this log's tenant. */
  async function tenantReader(ctx: Context, next: Next) {
    const token = /^Bearer ([^\s]+)$/i.exec(ctx.get('authorization'))?.[1];
    const grant = token ? await findClientCredentials(services.provider, token) : null;
    if (!grant) {
      ctx.set('WWW-Authenticate', `Bearer realm="${config.issuer}", scope="${AUDIT_READ_SCOPE}"${token ? ', error="invalid_token"' : ''}`);
      return answer(ctx, 401, 'invalid_token', 'a client_credentials access token with the audit:read scope is required');
    }
    const client = services.tenancy.view().client(grant.clientId);
    if (!grant.scopes.has(AUDIT_READ_SCOPE) || client?.role !== 'tenant' || client.tenant !== ctx.params.log) {
      ctx.set('WWW-Authenticate', `Bearer realm="${config.issuer}", error="insufficient_scope", scope="${AUDIT_READ_SCOPE}"`);
      return answer(ctx, 403, 'insufficient_scope', "a tenant's client may read only its own tenant's audit log, with the audit:read scope");
    }
    await next();
  }

  router.get('/key', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = { jwk: auditKey.publicJwk, logs: `${config.issuer}/audit/logs/{log}/checkpoint` };
  });

  router.get('/logs/:log/vkey', (ctx) => {
    if (!known(ctx.params.log!)) return answer(ctx, 404, 'not_found', 'no such log');
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = `${auditKey.verifierKey(logOrigin(config.issuer, ctx.params.log!))}\n`;
  });

  router.get('/logs/:log/checkpoint', async (ctx) => {
    const checkpoint = await checkpointOf(ctx, ctx.params.log!);
    if (!checkpoint) return;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = checkpoint.note;
  });

  router.get('/logs/:log/entries', tenantReader, async (ctx) => {
    const log = ctx.params.log!;
    const start = count(ctx, 'start') ?? 0;
    const limit = count(ctx, 'limit') ?? 100;
    if (start === null || limit === null || limit < 1 || limit > MAX_ENTRIES) {
      return answer(ctx, 400, 'invalid_request', `start is an index and limit 1 to ${MAX_ENTRIES}`);
    }
    const checkpoint = await checkpointOf(ctx, log);
    if (!checkpoint) return;
    const keys = storeKeys.auditLog(log);
    const { trimmed } = await store.tlogState(keys);
    const from = Math.max(start, trimmed);
    const leaves = from < checkpoint.size ? await store.tlogRead(keys, from, Math.min(limit, checkpoint.size - from)) : [];
    const proofs = await inclusionProofs(store, keys, leaves.map((l) => l.index), checkpoint.size);
    const entries = leaves.map(({ index, leaf }, i) => {
      // An unreadable leaf is damage: handed over as stored, so the reader sees it fail.
      const event = eventOf(log, index, leaf);
      return { ...(event ? { event } : { index, leaf }), proof: proofs[i]!.map((h) => h.toString('base64')) };
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { log, origin: checkpoint.origin, checkpoint: checkpoint.note, size: checkpoint.size, first: trimmed, entries };
  });

  router.get('/logs/:log/consistency', tenantReader, async (ctx) => {
    const from = count(ctx, 'from');
    const checkpoint = await checkpointOf(ctx, ctx.params.log!);
    if (!checkpoint) return;
    if (from === undefined || from === null || from > checkpoint.size) {
      return answer(ctx, 400, 'invalid_request', `from is a size you hold a checkpoint of, at most ${checkpoint.size}`);
    }
    try {
      const proof = await consistencyProof(store, storeKeys.auditLog(ctx.params.log!), from, checkpoint.size);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { log: ctx.params.log, checkpoint: checkpoint.note, from, to: checkpoint.size, proof: proof.map((h) => h.toString('base64')) };
    } catch (error) {
      if (error instanceof AuditError && error.code === 'archived') return answer(ctx, 410, 'archived', 'that size predates the archive cut; prove it with the archive');
      throw error;
    }
  });

  return router;
}
