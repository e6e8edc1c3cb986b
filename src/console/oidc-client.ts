/**
 * The console is an OIDC client of Gatehouse itself (client role `support-console`):
 * code + PKCE (S256) with state and nonce, the code redeemed at the token endpoint over
 * HTTP with client_secret_basic, like any confidential client.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { GatehouseConfig } from '../config/index.js';
import type { PendingAuthorization } from './session.js';

const random = () => randomBytes(32).toString('base64url');

/**
 * Where this process reaches Gatehouse's own endpoints: GATEHOUSE_INTERNAL_URL (e.g. the
 * instance's own address behind a load balancer), else the issuer.
 */
export function internalBaseUrl(config: Pick<GatehouseConfig, 'issuer'>, env: NodeJS.ProcessEnv = process.env): string {
  return (env.GATEHOUSE_INTERNAL_URL ?? config.issuer).replace(/\/$/, '');
}

/**
 * The console's own client credentials: a process setting, from the config file (the store
 * keeps only the secret's hash, PROTOCOL §11), so the file must declare the console client.
 */
export function consoleClient(config: GatehouseConfig) {
  const client = config.declared.clients.find((c) => c.role === 'support-console');
  if (!client?.clientSecret) throw new Error('the config has no support-console client with a secret');
  return { clientId: client.clientId, clientSecret: client.clientSecret, redirectUri: `${config.issuer}/admin/callback` };
}

/** A new authorization request: what to keep in the session, and where to send the browser. */
export function authorizationRequest(
  config: GatehouseConfig,
  purpose: PendingAuthorization['purpose'],
  extra: Record<string, string> = {},
): { pending: PendingAuthorization; url: string } {
  const { clientId, redirectUri } = consoleClient(config);
  const pending: PendingAuthorization = { state: random(), nonce: random(), codeVerifier: random(), purpose };
  const url = new URL(`${config.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: createHash('sha256').update(pending.codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { pending, url: url.href };
}

export interface ConsoleTokens {
  accessToken: string;
  expiresIn: number;
  /** The ID token's claims (nonce already checked). */
  claims: { sub: string; [claim: string]: unknown };
}

export class AuthorizationFailed extends Error {}

/** Redeems the code (RFC 6749 §4.1.3) and checks the ID token's nonce against the pending request. */
export async function redeemCode(config: GatehouseConfig, pending: PendingAuthorization, code: string): Promise<ConsoleTokens> {
  const { clientId, clientSecret, redirectUri } = consoleClient(config);
  // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  const res = await fetch(`${internalBaseUrl(config)}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: pending.codeVerifier,
    }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== 'string' || typeof body.id_token !== 'string') {
    throw new AuthorizationFailed(`token endpoint answered ${res.status} ${String(body.error ?? '')}`);
  }
  // The ID token came straight from our own token endpoint on a client-authenticated
  // request (OIDC Core §3.1.3.7 step 6), so its signature need not be checked here; the
  // nonce still ties it to this browser's request.
  const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  if (claims.nonce !== pending.nonce || typeof claims.sub !== 'string') throw new AuthorizationFailed('ID token nonce mismatch');
  return { accessToken: body.access_token, expiresIn: Number(body.expires_in ?? 0), claims };
}
