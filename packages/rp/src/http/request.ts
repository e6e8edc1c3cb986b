import { HTTP_TIMEOUT_MS } from '../constants.js';
import { GatehouseRpError, type GatehouseRpErrorDetails } from '../errors.js';
import type { ClientCredentials } from '../types.js';

/** Gatehouse's answer: its status and its body parsed as JSON (`undefined` when it is not JSON). */
export interface GatehouseResponse {
  status: number;
  body: unknown;
}

/** Plain-object check for parsed JSON. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6749 §5.2 error members of a JSON error body, when present and well typed. */
export function oauthErrorDetails(response: GatehouseResponse): GatehouseRpErrorDetails {
  const details: GatehouseRpErrorDetails = { status: response.status };
  if (isObject(response.body)) {
    const { error, error_description } = response.body;
    if (typeof error === 'string') details.error = error;
    if (typeof error_description === 'string') details.error_description = error_description;
  }
  return details;
}

/**
 * One HTTP exchange with Gatehouse. Network failures, timeouts and 5xx answers become
 * `issuer_unreachable`: nothing the caller sent was at fault, and a retry may succeed.
 * Redirects are not followed, so client credentials are never replayed to another location.
 */
export async function requestGatehouse(url: string, init: RequestInit, what: string): Promise<GatehouseResponse> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      headers: { accept: 'application/json', ...(init.headers as Record<string, string>) },
    });
    text = await res.text();
  } catch (cause) {
    throw new GatehouseRpError('issuer_unreachable', `${what}: Gatehouse could not be reached at ${url}`, { cause });
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const response = { status: res.status, body };
  if (res.status >= 500) {
    throw new GatehouseRpError(
      'issuer_unreachable',
      `${what}: Gatehouse answered ${res.status}`,
      oauthErrorDetails(response),
    );
  }
  return response;
}

/** RFC 6749 Appendix B / §2.3.1: `application/x-www-form-urlencoded` encoding of one value. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Authorization: Basic …` for client_secret_basic (see {@link postForm}). */
function basicAuthorization(credentials: ClientCredentials): string {
  // Form-encoding leaves only ASCII, which btoa takes as it is (no Node Buffer: the kit runs on any runtime).
  return `Basic ${btoa(`${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`)}`;
}

/** POST a JSON body to an endpoint of Gatehouse with `client_secret_basic` client authentication. */
export function postJson(url: string, body: unknown, credentials: ClientCredentials, what: string): Promise<GatehouseResponse> {
  return requestGatehouse(
    url,
    {
      method: 'POST',
      headers: { authorization: basicAuthorization(credentials), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
    what,
  );
}

/**
 * POST a form to an endpoint of Gatehouse with `client_secret_basic` client authentication:
 * RFC 6749 §2.3.1 form-encodes the id and the secret before they are joined and base64-encoded,
 * so secrets containing `:` or non-ASCII survive.
 */
export function postForm(
  url: string,
  params: Record<string, string>,
  credentials: ClientCredentials,
  what: string,
): Promise<GatehouseResponse> {
  return requestGatehouse(
    url,
    {
      method: 'POST',
      headers: {
        authorization: basicAuthorization(credentials),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(params).toString(),
    },
    what,
  );
}
