/** Shapes shared by the ceremonies. */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { AccountKind } from '../accounts/types.js';

/** Who we are to authenticators: from config, never from a request (WebAuthn L3 §7.1 steps 9 and 15). */
export interface RelyingParty {
  /** The issuer's hostname. */
  rpId: string;
  rpName: string;
  /** The issuer's origin. */
  origin: string;
}

export interface PasskeyAccount {
  kind: AccountKind;
  id: string;
  email: string;
  name: string;
}

/** The user handle we give authenticators: the account id, which is opaque and random. */
export const userHandleOf = (accountId: string) => Buffer.from(accountId, 'utf8').toString('base64url');

export type { AuthenticationResponseJSON, RegistrationResponseJSON };
