/**
 * Who calls the management API (PROTOCOL §11): the bearer of an access token (RFC 6750) that
 * Gatehouse issued by client credentials to a `management` client for this API's resource
 * (RFC 8707: its `aud` is `<issuer>/manage`). Checked in this order, each answer saying
 * only what the token's holder already knows: the token itself (401), its client still
 * existing (401), being a management client (403), the token's audience (401: a token for
 * any other audience, a tenant's domain or none, is not accepted here), then per route the
 * scope (403).
 */
import type { Context } from 'koa';
import { looksLikeJwt } from '../../keys/index.js';
import { findClientCredentials } from '../../oidc/client-credentials.js';
import type { Services } from '../../services.js';
import { TenancyError } from '../errors.js';
import type { Actor } from '../types.js';
import { managementResource } from './resource.js';

interface Presented {
  clientId: string;
  audience: string[];
  scopes: Set<string>;
}

async function presented(services: Services, token: string): Promise<Presented | null> {
  if (looksLikeJwt(token)) {
    const claims = await services.tokenVerifier.verify(token).catch(() => null);
    if (!claims || typeof claims.client_id !== 'string') return null;
    const audience = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
    return { clientId: claims.client_id, audience, scopes: new Set(String(claims.scope ?? '').split(' ').filter(Boolean)) };
  }
  // An opaque client_credentials token was asked for without `resource`: it has no audience.
  const grant = await findClientCredentials(services.provider, token);
  return grant && { clientId: grant.clientId, audience: [], scopes: grant.scopes };
}

export async function managementActor(services: Services, ctx: Context): Promise<Actor> {
  const token = /^Bearer ([\w.~+/-]+=*)$/i.exec(ctx.get('authorization'))?.[1];
  if (!token) throw new TenancyError('token_missing', 'send Authorization: Bearer <access token of a management client>');
  const found = await presented(services, token);
  if (!found) throw new TenancyError('token_invalid');
  const client = services.tenancy.view().client(found.clientId);
  if (!client) throw new TenancyError('token_inactive');
  if (client.role !== 'management') throw new TenancyError('not_management_client');
  const resource = managementResource(services.config.issuer);
  if (!found.audience.includes(resource)) {
    throw new TenancyError('token_wrong_audience', `ask for the token with resource=${resource} (RFC 8707)`);
  }
  return {
    kind: 'client',
    clientId: client.clientId,
    scopes: found.scopes,
    facts: { requestId: ctx.state.requestId, ip: ctx.ip, ...(ctx.get('user-agent') ? { userAgent: ctx.get('user-agent').slice(0, 512) } : {}) },
  };
}
