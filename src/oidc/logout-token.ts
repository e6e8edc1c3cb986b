/**
 * Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4), signed by the provider with
 * its own keys as its end-session endpoint signs them: a JWT with header `typ: logout+jwt`,
 * `iss`, `aud` (the client), `iat`, `exp` (two minutes), `jti`, `sub`, `sid` and the
 * back-channel `events` member, never a `nonce`. Gatehouse sends them for impersonation
 * sessions through its durable queue (src/delivery), so this only issues them.
 */
import { randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';

/** Back-Channel Logout 1.0 §2.4: the member of `events` that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface IssuedLogoutToken {
  /** The client's registered `backchannel_logout_uri`. */
  uri: string;
  token: string;
}

/** A fresh logout token for `clientId`, or null when that client has no back-channel logout URI. */
export async function issueLogoutToken(provider: Provider, clientId: string, claims: { sub: string; sid: string }): Promise<IssuedLogoutToken | null> {
  const client = await provider.Client.find(clientId);
  const uri = (client as { backchannelLogoutUri?: string } | undefined)?.backchannelLogoutUri;
  if (!client || !uri) return null;
  // As oidc-provider's own Client#backchannelLogout builds it (its IdToken with use "logout").
  const token = new provider.IdToken({ sub: claims.sub }, { client, ctx: undefined } as never);
  (token as unknown as { mask: object }).mask = { sub: null };
  token.set('events', { [BACKCHANNEL_LOGOUT_EVENT]: {} });
  token.set('jti', randomUUID());
  token.set('sid', claims.sid);
  return { uri, token: await token.issue({ use: 'logout' } as never) };
}
