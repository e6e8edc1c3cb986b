import { discover } from '../discovery/discover.js';
import { GatehouseRpError } from '../errors.js';
import { oauthErrorDetails, postForm } from '../http/request.js';
import type { ClientCredentials } from '../types.js';

/**
 * Revokes an impersonation access token (RFC 7009 §2.1, `token_type_hint=access_token`,
 * `client_secret_basic`), which ends the impersonation session at Gatehouse: introspection
 * reports it inactive at once and the admin's console shows it ended. RFC 7009 §2.2: an
 * unknown or already invalid token is answered 200 as well, so revoking twice is harmless.
 *
 * Throws {@link GatehouseRpError} `request_rejected` (4xx, e.g. `invalid_client`),
 * `issuer_unreachable` or `issuer_bad_response`.
 *
 * @example
 * ```ts
 * await revokeToken(accessToken, {
 *   issuer: 'https://login.example.com',
 *   clientId: 'acme-app',
 *   clientSecret: process.env.GATEHOUSE_CLIENT_SECRET!,
 * });
 * ```
 */
export async function revokeToken(token: string, credentials: ClientCredentials): Promise<void> {
  const { revocation_endpoint } = await discover(credentials.issuer);
  const response = await postForm(
    revocation_endpoint,
    { token, token_type_hint: 'access_token' },
    credentials,
    'revocation',
  );
  if (response.status >= 400) {
    throw new GatehouseRpError('request_rejected', `revocation refused: ${response.status}`, oauthErrorDetails(response));
  }
  if (response.status !== 200) {
    throw new GatehouseRpError('issuer_bad_response', `revocation answered ${response.status}`, {
      status: response.status,
    });
  }
}
