import { discover } from '../discovery/discover.js';
import { GatehouseRpError } from '../errors.js';
import { isObject, oauthErrorDetails, postForm } from '../http/request.js';
import type { ClientCredentials, IntrospectionResponse } from '../types.js';

/**
 * Asks Gatehouse whether a token is still active (RFC 7662 §2.1, with `token_type_hint=access_token`,
 * authenticated with `client_secret_basic`). `active: false` means the impersonation session has
 * ended: revoked, stopped by the admin or the user, replayed, or expired (PROTOCOL.md §3 step 6).
 *
 * Throws {@link GatehouseRpError} `request_rejected` (4xx, e.g. `invalid_client`),
 * `issuer_unreachable` or `issuer_bad_response`.
 *
 * @example
 * ```ts
 * const { active } = await introspectToken(accessToken, {
 *   issuer: 'https://login.example.com',
 *   clientId: 'acme-app',
 *   clientSecret: process.env.GATEHOUSE_CLIENT_SECRET!,
 * });
 * if (!active) endImpersonation();
 * ```
 */
export async function introspectToken(token: string, credentials: ClientCredentials): Promise<IntrospectionResponse> {
  const { introspection_endpoint } = await discover(credentials.issuer);
  const response = await postForm(
    introspection_endpoint,
    { token, token_type_hint: 'access_token' },
    credentials,
    'introspection',
  );
  if (response.status >= 400) {
    throw new GatehouseRpError('request_rejected', `introspection refused: ${response.status}`, oauthErrorDetails(response));
  }
  // RFC 7662 §2.2: a JSON object whose "active" member is a boolean is the only valid answer.
  if (response.status !== 200 || !isObject(response.body) || typeof response.body.active !== 'boolean') {
    throw new GatehouseRpError('issuer_bad_response', 'introspection did not answer with an RFC 7662 response', {
      status: response.status,
    });
  }
  return response.body as IntrospectionResponse;
}
