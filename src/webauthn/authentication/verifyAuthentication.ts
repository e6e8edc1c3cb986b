import { type AuthenticatorTransport, verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { DeviceType, StoredPasskey } from '../credentials.js';
import { PasskeyError } from '../errors.js';
import type { AuthenticationResponseJSON, RelyingParty } from '../types.js';

export interface VerifiedAssertion {
  newCounter: number;
  deviceType: DeviceType;
  backedUp: boolean;
}

/**
 * Checks an assertion with the stored public key, against the challenge we kept, our
 * origin and RP ID, with user verification required; then the signature counter.
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  input: { response: AuthenticationResponseJSON; challenge: string; passkey: StoredPasskey },
): Promise<VerifiedAssertion> {
  const { passkey } = input;
  const owner = { id: passkey.id, accountId: passkey.accountId, accountKind: passkey.accountKind };
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: input.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
      // The library refuses a low counter before it checks the signature, by throwing.
      // We compare it ourselves after the signature holds, so that only a genuine
      // signature with a low counter (a possible clone) is reported as one.
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: 0,
        transports: passkey.transports as AuthenticatorTransport[],
      },
    });
  } catch (err) {
    throw new PasskeyError('not_verified', owner, err instanceof Error ? err.message : String(err));
  }
  // A failed signature comes back as `verified: false`, not as an exception.
  if (!result.verified) throw new PasskeyError('not_verified', owner, 'verified: false');
  const info = result.authenticationInfo;
  // WebAuthn L3 §6.1.1: when either counter is non-zero, the new one must be greater;
  // otherwise the authenticator may have been cloned.
  if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter) {
    throw new PasskeyError('counter_regressed', owner, `counter ${info.newCounter} <= stored ${passkey.counter}`);
  }
  return { newCounter: info.newCounter, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp };
}
