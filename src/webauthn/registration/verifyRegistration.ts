import { verifyRegistrationResponse } from '@simplewebauthn/server';
import { SUPPORTED_ALGORITHM_IDS } from '../algorithms.js';
import type { StoredPasskey } from '../credentials.js';
import { PasskeyError } from '../errors.js';
import type { PasskeyAccount, RegistrationResponseJSON, RelyingParty } from '../types.js';

/**
 * Checks a registration response against the challenge we kept, our origin and RP ID,
 * and requires user verification; returns the passkey to store. Every refusal, thrown or
 * `verified: false`, is `not_verified`.
 */
export async function verifyRegistration(
  rp: RelyingParty,
  input: { response: RegistrationResponseJSON; challenge: string; account: PasskeyAccount; name: string; now: number },
): Promise<StoredPasskey> {
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: input.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHM_IDS,
    });
  } catch (err) {
    throw new PasskeyError('not_verified', undefined, err instanceof Error ? err.message : String(err));
  }
  if (!result.verified) throw new PasskeyError('not_verified', undefined, 'verified: false');
  const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
  return {
    id: credential.id,
    accountKind: input.account.kind,
    accountId: input.account.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    transports: (credential.transports ?? []).map(String),
    name: input.name,
    createdAt: input.now,
    lastUsedAt: null,
  };
}
