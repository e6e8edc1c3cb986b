/**
 * Account revocations as the impersonation legs see them (PROTOCOL §10.2): an outstanding
 * ticket fails once its admin or user is disabled, or its admin's roles stop covering its
 * tenant — even if the account is enabled again. The accounts live in other Cluster slots
 * than the tenant's, where a leg's one script runs, so the check is made in that slot:
 *
 * - every account counts its revocations (`revocations`, read with the account at the mint);
 *   a ticket carries the counts its mint read;
 * - a revocation first raises a marker in each tenant's slot it concerns (`<count> <reason>`,
 *   only ever upwards), then takes effect on the account, then counts itself there;
 * - a leg's script refuses a ticket whose count is below its tenant's marker: the mint (an
 *   account revoked between its read and its write) and the redemption (revoked since).
 *
 * No clock is compared: the count a mint read and the marker come from one counter. A mint
 * that read the account before the revocation carries a lower count than the marker; one
 * that read it after sees it disabled (or not covering), or carries the new count. A marker
 * needs to outlive only the tickets minted before it, so it expires.
 */
import { keys } from '../store/keys.js';
import type { RevocationGuard, Store } from '../store/types.js';

export type RevocationReason = 'admin_disabled' | 'admin_role_removed' | 'user_disabled';

/** Longer than any ticket lives (ticketTtl is at most 300 s, config/schema.ts). */
export const MARKER_TTL_SECONDS = 600;

/** The counts a mint read with the accounts, carried by its ticket. */
export interface MintedUnder {
  actor: string;
  actorRevocations: number;
  subject: string;
  subjectRevocations: number;
}

export function revocationGuards(tenant: string, t: MintedUnder): RevocationGuard[] {
  return [
    { key: keys.revocation(tenant, 'admin', t.actor), epoch: t.actorRevocations },
    { key: keys.revocation(tenant, 'user', t.subject), epoch: t.subjectRevocations },
  ];
}

/**
 * Raises the marker of one account's next revocation (`count`, the account's count read
 * before plus one) in each of `tenants`, before the revocation takes effect on the account.
 */
export async function raiseRevocation(store: Store, tenants: readonly string[], kind: 'admin' | 'user', accountId: string, count: number, reason: RevocationReason): Promise<void> {
  await Promise.all(tenants.map((tenant) => store.raiseMarker(keys.revocation(tenant, kind, accountId), count, reason, MARKER_TTL_SECONDS)));
}

export function isRevocationReason(value: string): value is RevocationReason {
  return value === 'admin_disabled' || value === 'admin_role_removed' || value === 'user_disabled';
}
