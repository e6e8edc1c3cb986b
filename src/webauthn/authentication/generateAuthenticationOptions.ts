import {
  generateAuthenticationOptions as generate,
  type AuthenticatorTransport,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { CHALLENGE_TTL } from '../challenges.js';
import type { StoredPasskey } from '../credentials.js';
import type { RelyingParty } from '../types.js';

/**
 * Request options: user verification required; `allow` lists one account's passkeys
 * (step-up), or is absent for a discoverable sign-in where the authenticator offers
 * whichever passkeys it holds for our RP ID.
 */
export function generateAuthenticationOptions(
  rp: RelyingParty,
  allow?: StoredPasskey[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generate({
    rpID: rp.rpId,
    userVerification: 'required',
    timeout: CHALLENGE_TTL * 1000,
    allowCredentials: (allow ?? []).map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransport[] })),
  });
}
