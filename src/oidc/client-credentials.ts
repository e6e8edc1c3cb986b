import type Provider from 'oidc-provider';

export interface ClientCredentialsGrant {
  clientId: string;
  scopes: Set<string>;
}

/**
 * An opaque access token of the client_credentials grant (RFC 6749 §4.4), as the provider
 * stored it: unexpired and not revoked, or null. JWT (resource-bound) tokens are not these.
 */
export async function findClientCredentials(provider: Provider, token: string): Promise<ClientCredentialsGrant | null> {
  if (!/^[\w-]{16,256}$/.test(token)) return null;
  const found = await provider.ClientCredentials.find(token);
  if (!found?.clientId) return null;
  return { clientId: found.clientId, scopes: new Set(String(found.scope ?? '').split(' ').filter(Boolean)) };
}
