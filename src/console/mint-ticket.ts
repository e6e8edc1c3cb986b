/**
 * Leg 1 as the console performs it (PROTOCOL §3 step 2): an RFC 8693 token exchange at
 * Gatehouse's own token endpoint, over HTTP, authenticated as the support-console client
 * like any confidential client. The console holds no special path into the grant.
 */
import type { GatehouseConfig } from '../config/index.js';
import {
  GRANT_TYPE_TOKEN_EXCHANGE,
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_IMPERSONATION_TICKET,
  TOKEN_TYPE_SUPPORT_ACCESS_CODE,
  TOKEN_TYPE_USER_ID,
} from '../impersonation/token-types.js';
import { consoleClient, internalBaseUrl } from './oidc-client.js';

export interface MintRequest {
  /** The admin's access token from the console session (the actor token). */
  actorToken: string;
  /** The target user's id, or a support access code the user handed over. */
  subject: { userId: string } | { accessCode: string };
  /** The tenant origin the ticket is for. */
  audience: string;
  reason: string;
  /** Seconds; the tenant's default when absent. */
  duration?: number;
}

export type MintResult =
  | { ok: true; ticket: string; redeemUri: string; expiresIn: number }
  | {
      ok: false;
      status: number;
      /** RFC 6749 §5.2 error code, or `unreachable` when the endpoint could not be asked. */
      error: string;
      description: string;
      /** RFC 9470 §3 hints: the actor must step up. */
      acrValues?: string;
      retryAfter?: number;
    };

export async function mintTicket(config: GatehouseConfig, request: MintRequest): Promise<MintResult> {
  const { clientId, clientSecret } = consoleClient(config);
  // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  const subject =
    'userId' in request.subject
      ? { subject_token: request.subject.userId, subject_token_type: TOKEN_TYPE_USER_ID }
      : { subject_token: request.subject.accessCode, subject_token_type: TOKEN_TYPE_SUPPORT_ACCESS_CODE };
  const body = new URLSearchParams({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    actor_token: request.actorToken,
    actor_token_type: TOKEN_TYPE_ACCESS_TOKEN,
    ...subject,
    requested_token_type: TOKEN_TYPE_IMPERSONATION_TICKET,
    audience: request.audience,
    reason: request.reason,
    ...(request.duration !== undefined ? { duration: String(request.duration) } : {}),
  });
  let res: Response;
  try {
    res = await fetch(`${internalBaseUrl(config)}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return { ok: false, status: 502, error: 'unreachable', description: 'the token endpoint could not be reached' };
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok && typeof json.access_token === 'string' && typeof json.redeem_uri === 'string') {
    return { ok: true, ticket: json.access_token, redeemUri: json.redeem_uri, expiresIn: Number(json.expires_in ?? 60) };
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  return {
    ok: false,
    status: res.status,
    error: typeof json.error === 'string' ? json.error : 'server_error',
    description: typeof json.error_description === 'string' ? json.error_description : `the token endpoint answered ${res.status}`,
    ...(typeof json.acr_values === 'string' ? { acrValues: json.acr_values } : {}),
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {}),
  };
}

/** What a refusal means to the admin: a heading, the server's reason, what to do (PROTOCOL §4). */
export function describeRefusal(result: Extract<MintResult, { ok: false }>): { status: number; message: string } {
  const reason = result.description.replace(/\.$/, '');
  switch (result.error) {
    case 'invalid_request':
      return { status: 400, message: `Gatehouse refused the impersonation: ${reason}.` };
    case 'invalid_target':
      return { status: 403, message: `Not allowed: ${reason}.` };
    case 'invalid_scope':
      return { status: 400, message: `Gatehouse refused the scope: ${reason}.` };
    case 'slow_down':
      return {
        status: 429,
        message: `Too many impersonations or wrong access codes in a short time. Try again${result.retryAfter ? ` in ${Math.ceil(result.retryAfter / 60)} minute(s)` : ' later'}.`,
      };
    case 'temporarily_unavailable':
      return { status: 503, message: 'Gatehouse cannot reach its store right now; nothing was issued. Try again shortly.' };
    case 'invalid_client':
    case 'unauthorized_client':
      return { status: 502, message: `The console's client is not allowed to mint tickets (${result.error}): check the configuration.` };
    case 'unreachable':
      return { status: 502, message: 'The console could not reach Gatehouse\'s token endpoint. Try again shortly.' };
    default:
      return { status: 502, message: `Gatehouse could not issue a ticket (${result.error}): ${reason}.` };
  }
}
