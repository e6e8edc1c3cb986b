/**
 * Revoking what oidc-provider issued to one account, from outside the provider (the CLI,
 * another instance): the adapter (adapter.ts) indexes each Grant under its account and each
 * token, code and refresh token under its grant, so an account's grants and everything they
 * issued can be deleted by key. Deleting the Grant record is what stops the rest: the
 * provider refuses a token whose grant is gone at introspection, userinfo and refresh
 * (OIDC-PROVIDER-NOTES "Single use"), and so does the token exchange's actor check.
 * Store-only on purpose: it imports nothing of oidc-provider, so domain code may call it.
 */
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';

/** Deletes a grant and every token, code and refresh token it issued. */
export async function revokeGrant(store: Store, grantId: string): Promise<void> {
  const members = await store.smembers(keys.oidcGrant(grantId));
  await Promise.all(members.map((k) => store.del(k)));
  await store.del(keys.oidcGrant(grantId));
  await store.del(keys.oidcModel('Grant', grantId));
}

/** Every grant of the account, revoked (PROTOCOL §10.2: disabling revokes what it holds). Returns how many. */
export async function revokeAccountGrants(store: Store, accountId: string): Promise<number> {
  const index = keys.oidcAccountGrants(accountId);
  const grantIds = await store.smembers(index);
  await Promise.all(grantIds.map((grantId) => revokeGrant(store, grantId)));
  for (const grantId of grantIds) await store.srem(index, grantId);
  return grantIds.length;
}
