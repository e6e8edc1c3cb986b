import type { ClientMetadata } from 'oidc-provider';
import type { ClientConfig } from '../config/index.js';

/** Maps a configured client to oidc-provider metadata (RFC 7591 names). */
export function toProviderClient(c: ClientConfig): ClientMetadata {
  const usesCode = c.grantTypes.includes('authorization_code');
  return {
    client_id: c.clientId,
    client_name: c.name ?? c.clientId,
    ...(c.clientSecret
      ? { client_secret: c.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
      : { token_endpoint_auth_method: 'none' }),
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: c.grantTypes,
    response_types: usesCode ? ['code'] : [],
    scope: c.scope,
    // Back-Channel Logout 1.0 §2.2: every logout token to it names the session (sid).
    ...(c.backchannelLogoutUri ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    gatehouse_role: c.role,
    gatehouse_tenant: c.tenant,
  };
}
