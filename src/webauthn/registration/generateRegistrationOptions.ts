import { generateRegistrationOptions as generate, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { SUPPORTED_ALGORITHM_IDS } from '../algorithms.js';
import { CHALLENGE_TTL } from '../challenges.js';
import type { StoredPasskey } from '../credentials.js';
import type { PasskeyAccount, RelyingParty } from '../types.js';

/**
 * Creation options for a new passkey: discoverable (so it can sign in without a user
 * name), user verification required (acr `phr` means a user-verified assertion), no
 * attestation (we trust the credential, not the make of the authenticator), and the
 * account's existing passkeys excluded so one authenticator is not registered twice.
 */
export function generateRegistrationOptions(
  rp: RelyingParty,
  account: PasskeyAccount,
  existing: StoredPasskey[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generate({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: account.email,
    userDisplayName: account.name,
    userID: new Uint8Array(Buffer.from(account.id, 'utf8')),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: CHALLENGE_TTL * 1000,
    supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
  });
}
