/**
 * The actor token (RFC 8693 §2.1 actor_token): the admin's own access token, issued to
 * this console client, after a fresh passkey step-up (PROTOCOL §3.1, §4).
 */
import { type Admin, issuedBeforeLastDisable } from '../accounts/index.js';
import { accountKindOf } from '../accounts/types.js';
import { looksLikeJwt } from '../keys/index.js';
import { ImpersonationError } from '../impersonation/reasons.js';
import { TOKEN_TYPE_ACCESS_TOKEN } from '../impersonation/token-types.js';
import { ACR_PHISHING_RESISTANT } from '../oidc/policy.js';
import { findLiveAccessToken, type KoaContextWithOIDC } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { keys } from '../store/keys.js';
import { param } from './context.js';

export async function resolveActor(ctx: KoaContextWithOIDC, services: Services): Promise<Admin> {
  const actorToken = param(ctx, 'actor_token');
  const actorTokenType = param(ctx, 'actor_token_type');
  if (!actorToken || !actorTokenType) throw new ImpersonationError('actor_token_missing');
  if (actorTokenType !== TOKEN_TYPE_ACCESS_TOKEN) throw new ImpersonationError('actor_token_type_unsupported');

  if (looksLikeJwt(actorToken)) {
    // Admins only ever hold opaque tokens; a JWT here is a tenant or impersonation token.
    const claims = await services.tokenVerifier.verify(actorToken).catch(() => null);
    if (claims?.act) throw new ImpersonationError('actor_token_has_act');
    throw new ImpersonationError('actor_token_invalid');
  }
  // The admin and their passkeys are read in the round trip that checks the token's grant.
  const token = await findLiveAccessToken(ctx, actorToken, async ({ accountId }) => {
    if (accountKindOf(accountId) !== 'admin') return null;
    const [admin, passkeys] = await Promise.all([
      services.accounts.admins.findById(accountId),
      services.store.smembers(keys.accountPasskeys('admin', accountId)),
    ]);
    return { admin, hasPasskey: passkeys.length > 0 };
  });
  if (!token || token.clientId !== ctx.oidc.client?.clientId) throw new ImpersonationError('actor_token_invalid');
  if (accountKindOf(token.accountId) !== 'admin') throw new ImpersonationError('actor_not_admin');
  const admin = token.alongside?.admin;
  if (!admin || admin.disabled) throw new ImpersonationError('actor_not_admin');
  // PROTOCOL §10.2: a token issued before the admin's most recent disable is dead, enabled
  // again or not (the disable also revoked its grant; this holds for one saved in a race).
  if (issuedBeforeLastDisable(admin, token.issuedAt)) throw new ImpersonationError('actor_token_invalid');

  // PROTOCOL §5: an admin cannot mint a ticket without a registered passkey.
  if (!token.alongside?.hasPasskey) throw new ImpersonationError('actor_no_passkey');

  const { stepUpMaxAge } = services.config.policy;
  const authTime = Number(token.extra.auth_time);
  const fresh = Number.isFinite(authTime) && Date.now() / 1000 - authTime <= stepUpMaxAge;
  if (token.extra.acr !== ACR_PHISHING_RESISTANT || !fresh) {
    // RFC 9470 §3: tell the client what authentication to obtain.
    throw new ImpersonationError('actor_not_stepped_up', { acrValues: ACR_PHISHING_RESISTANT, maxAge: stepUpMaxAge });
  }
  return admin;
}
