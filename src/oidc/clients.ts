import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { Client } from '../tenancy/index.js';

/**
 * What the provider holds as a confidential client's `client_secret`: a random value of this
 * process, never a real secret. Client secrets are kept as hashes (PROTOCOL §11), so the
 * provider's own comparison is replaced by the tenancy view's (createProvider); were that
 * replacement ever lost in an upgrade, this value makes every secret fail, not pass.
 */
const PLACEHOLDER_SECRET = randomBytes(32).toString('base64url');

/** Per client object of a view: the same metadata for as long as that view is current. */
const mapped = new WeakMap<Client, ClientMetadata>();

/** Maps a configured client to oidc-provider metadata (RFC 7591 names). */
export function toProviderClient(c: Client): ClientMetadata {
  const known = mapped.get(c);
  if (known) return known;
  const usesCode = c.grantTypes.includes('authorization_code');
  const metadata: ClientMetadata = {
    client_id: c.clientId,
    client_name: c.name ?? c.clientId,
    ...(c.confidential ? { client_secret: PLACEHOLDER_SECRET, token_endpoint_auth_method: 'client_secret_basic' } : { token_endpoint_auth_method: 'none' }),
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
  mapped.set(c, metadata);
  return metadata;
}
