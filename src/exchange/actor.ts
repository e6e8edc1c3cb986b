/**
 * The actor token (RFC 8693 §2.1 actor_token): the admin's own access token, issued to
 * this console client, after a fresh passkey step-up (PROTOCOL §3.1, §4).
 *
 * Checking it takes the provider's lookups (the token, its session binding, its grant:
 * dependent reads) and the admin with their passkeys. A console mints with the same token
 * many times, so the keys one check read are remembered by the token's SHA-256 and read
 * again, fresh, in the mint's first round trip, with the admin's (oidc/read-ahead.ts):
 * every check still runs on reads of this request; only when they started changes.
 */
import { type Admin, issuedBeforeLastDisable } from '../accounts/index.js';
import { accountKindOf } from '../accounts/types.js';
import { looksLikeJwt } from '../keys/index.js';
import { sha256Key } from '../impersonation/secrets.js';
import { ImpersonationError } from '../impersonation/reasons.js';
import { TOKEN_TYPE_ACCESS_TOKEN } from '../impersonation/token-types.js';
import { ACR_PHISHING_RESISTANT } from '../oidc/policy.js';
import { type AdapterRead, findLiveAccessToken, type KoaContextWithOIDC, withReadAhead } from '../oidc/tokens.js';
import type { Services } from '../services.js';
import { keys } from '../store/keys.js';
import { param } from './context.js';

interface AdminState {
  admin: Admin | null;
  hasPasskey: boolean;
}

/** What a token's last check read: its admin, and the provider's keys in order. */
interface LastCheck {
  admin: string;
  reads: AdapterRead[];
}

/** Tokens remembered at most (the oldest goes first): a few per admin signed in to the console. */
const REMEMBERED = 1000;
const lastChecks = new Map<string, LastCheck>();

function remember(tokenHash: string, check: LastCheck | null): void {
  lastChecks.delete(tokenHash);
  if (!check) return;
  lastChecks.set(tokenHash, check);
  if (lastChecks.size > REMEMBERED) lastChecks.delete(lastChecks.keys().next().value!);
}

function adminState(services: Services, adminId: string): Promise<AdminState> {
  return Promise.all([services.accounts.admins.findById(adminId), services.store.smembers(keys.accountPasskeys('admin', adminId))]).then(([admin, passkeys]) => ({
    admin,
    hasPasskey: passkeys.length > 0,
  }));
}

/** Reads of the actor token's check under way, and whose they are (an admin id, on a token seen before). */
export interface ActorReads {
  tokenHash?: string;
  admin?: string;
  ahead: Map<string, Promise<unknown>>;
  state?: Promise<AdminState>;
}

/**
 * A read started ahead is looked at only when the check gets that far: a refusal before
 * (a missing or wrong actor_token_type, with the store away) must not leave its failure
 * unhandled, which ends the process. The caller still sees the failure on the promise.
 */
function ahead<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}

/**
 * Starts the reads the actor token's check will need, in this tick: the token's record,
 * and for a token seen before, the keys its last check read and its admin's state.
 */
export function readActorAhead(ctx: KoaContextWithOIDC, services: Services): ActorReads {
  const actorToken = param(ctx, 'actor_token');
  const reads = new Map<string, Promise<unknown>>();
  if (!actorToken || looksLikeJwt(actorToken) || actorToken.length > 256) return { ahead: reads };
  const { store } = services;
  const tokenKey = keys.oidcModel('AccessToken', actorToken);
  reads.set(tokenKey, ahead(store.hgetall(tokenKey)));
  const tokenHash = sha256Key(actorToken);
  const last = lastChecks.get(tokenHash);
  if (!last) return { tokenHash, ahead: reads };
  for (const { key, kind } of last.reads) if (!reads.has(key)) reads.set(key, ahead<unknown>(kind === 'hash' ? store.hgetall(key) : store.get(key)));
  const state = ahead(adminState(services, last.admin));
  return { tokenHash, admin: last.admin, ahead: reads, state };
}

export async function resolveActor(ctx: KoaContextWithOIDC, services: Services, reads: ActorReads = { ahead: new Map() }): Promise<Admin> {
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
  // The admin and their passkeys are read in the round trip that checks the token's grant (or before).
  const { result: token, read } = await withReadAhead(reads.ahead, () =>
    findLiveAccessToken(ctx, actorToken, async ({ accountId }) => {
      if (accountKindOf(accountId) !== 'admin') return null;
      return accountId === reads.admin && reads.state ? reads.state : adminState(services, accountId);
    }),
  );
  const live = token && token.clientId === ctx.oidc.client?.clientId && accountKindOf(token.accountId) === 'admin';
  if (reads.tokenHash) remember(reads.tokenHash, live ? { admin: token.accountId, reads: read } : null);
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
