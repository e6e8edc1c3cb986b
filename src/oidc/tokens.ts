/**
 * The provider's token models, wrapped for the grants that live outside src/oidc.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

export interface OpaqueAccessToken {
  accountId: string;
  clientId: string;
  grantId?: string;
  /** When it was issued (ms since the epoch, from the token's `iat` in seconds); undefined when unknown (counts as the oldest). */
  issuedAt: number | undefined;
  extra: Record<string, unknown>;
}

/**
 * An opaque access token that is unexpired and whose grant still exists, or null.
 * `alongside` (reads that depend on the token, such as its account) runs in the same
 * round trip as the grant's check; its result counts only when the token is live.
 */
export async function findLiveAccessToken<T = undefined>(
  ctx: KoaContextWithOIDC,
  value: string,
  alongside?: (token: OpaqueAccessToken) => Promise<T>,
): Promise<(OpaqueAccessToken & { alongside: T | undefined }) | null> {
  const { provider } = ctx.oidc;
  const token = await provider.AccessToken.find(value);
  if (!token || token.isExpired) return null;
  const found: OpaqueAccessToken = {
    accountId: token.accountId,
    clientId: String(token.clientId),
    grantId: token.grantId,
    issuedAt: typeof token.iat === 'number' ? token.iat * 1000 : undefined,
    extra: (token.extra ?? {}) as Record<string, unknown>,
  };
  // Revoking a grant deletes its tokens, but a token saved after a racing revocation
  // survives; the Grant record is the source of truth (OIDC-PROVIDER-NOTES "Single use").
  const [grantLive, extra] = await Promise.all([
    token.grantId ? provider.Grant.find(token.grantId).then(Boolean) : true,
    alongside?.(found),
  ]);
  return grantLive ? { ...found, alongside: extra } : null;
}

export interface JwtAccessTokenInput {
  accountId: string;
  audience: string;
  scope: string;
  expiresIn: number;
  gty: string;
  /** Claims added to the JWT (act, impersonation). */
  claims: Record<string, unknown>;
}

/** Mints an RFC 9068 JWT access token (ES256, typ at+jwt) for the authenticated client. */
export async function mintJwtAccessToken(ctx: KoaContextWithOIDC, input: JwtAccessTokenInput): Promise<string> {
  const { provider, client } = ctx.oidc;
  const resourceServer = new provider.ResourceServer(input.audience, {
    audience: input.audience,
    scope: input.scope,
    accessTokenTTL: input.expiresIn,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'ES256' } },
  });
  const token = new provider.AccessToken({
    accountId: input.accountId,
    client: client!,
    resourceServer,
    expiresIn: input.expiresIn,
    gty: input.gty,
    scope: input.scope,
  } as unknown as ConstructorParameters<typeof provider.AccessToken>[0]);
  (token as unknown as { gatehouseClaims: Record<string, unknown> }).gatehouseClaims = input.claims;
  return (await token.save()) as string;
}

/** Maps a refusal to the provider's error classes, so bodies follow RFC 6749 §5.2. */
export function protocolError(error: string, description: string, status: number): Error {
  switch (error) {
    case 'invalid_request':
      return new errors.InvalidRequest(description);
    case 'invalid_target':
      return new errors.InvalidTarget(description);
    case 'invalid_scope':
      return new errors.InvalidScope(description, '');
    case 'unauthorized_client':
      return new errors.UnauthorizedClient(description);
    default: {
      const err = new errors.CustomOIDCProviderError(error, description);
      (err as unknown as { status: number; statusCode: number; expose: boolean }).status = status;
      (err as unknown as { statusCode: number }).statusCode = status;
      return err;
    }
  }
}

export type { KoaContextWithOIDC };

export { type AdapterRead, withReadAhead } from './read-ahead.js';
