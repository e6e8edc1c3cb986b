/**
 * Passkeys (WebAuthn): the only folder that imports @simplewebauthn/server. Storage-free
 * ceremonies in `registration/` and `authentication/`, our challenges and credentials in
 * the store. Framework-free: routes call this service and decide what a result means
 * (acr, amr, audit).
 *
 * @example
 * const passkeys = createPasskeys(store, { rpId: 'localhost', rpName: 'Gatehouse', origin: 'http://localhost:3000' });
 * const { options, handle } = await passkeys.startAuthentication({ purpose: 'stepup', binding: uid, accountId });
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { accountKindOf, type AccountKind } from '../accounts/types.js';
import type { Store } from '../store/types.js';
import { checkFreeText, PASSKEY_NAME_RULE } from '../text/free-text.js';
import { generateAuthenticationOptions } from './authentication/generateAuthenticationOptions.js';
import { verifyAuthentication } from './authentication/verifyAuthentication.js';
import { type ChallengePurpose, createChallenges } from './challenges.js';
import { createCredentialStore, type StoredPasskey } from './credentials.js';
import { PasskeyError } from './errors.js';
import { generateRegistrationOptions } from './registration/generateRegistrationOptions.js';
import { verifyRegistration } from './registration/verifyRegistration.js';
import {
  type AuthenticationResponseJSON,
  type PasskeyAccount,
  type RegistrationResponseJSON,
  type RelyingParty,
  userHandleOf,
} from './types.js';

/** RFC 8176 method for a passkey: bound to one device (`hwk`) or synced, a software key (`swk`). */
export type PasskeyMethod = 'hwk' | 'swk';
export const methodOf = (p: Pick<StoredPasskey, 'deviceType'>): PasskeyMethod => (p.deviceType === 'singleDevice' ? 'hwk' : 'swk');

export interface Passkeys {
  readonly rp: RelyingParty;
  startRegistration(account: PasskeyAccount): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; handle: string }>;
  /**
   * Throws PasskeyError. `beforeStore` runs once the response is verified and before the
   * passkey is stored: throwing there stores nothing (an enrollment link taken by another).
   */
  finishRegistration(input: {
    account: PasskeyAccount;
    handle: unknown;
    response: unknown;
    name: unknown;
    beforeStore?: (passkey: StoredPasskey) => Promise<void>;
  }): Promise<StoredPasskey>;
  /**
   * `stepup` names the account and allows only its passkeys; `signin` is discoverable.
   * `binding` ties the challenge to what started it (an interaction uid). Throws `no_passkey`.
   */
  startAuthentication(input: {
    purpose: 'stepup' | 'signin';
    binding: string;
    accountId?: string;
  }): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; handle: string }>;
  /** `accept` says whether the passkey's account may be used here. Throws PasskeyError. */
  finishAuthentication(input: {
    purpose: 'stepup' | 'signin';
    binding: string;
    handle: unknown;
    response: unknown;
    accept: (passkey: StoredPasskey) => boolean | Promise<boolean>;
  }): Promise<{ passkey: StoredPasskey; method: PasskeyMethod }>;
  list(kind: AccountKind, accountId: string): Promise<StoredPasskey[]>;
  count(kind: AccountKind, accountId: string): Promise<number>;
  /** Throws `not_found`. */
  remove(kind: AccountKind, accountId: string, id: string): Promise<StoredPasskey>;
  /** Throws `not_found`, `invalid_name`. */
  rename(kind: AccountKind, accountId: string, id: string, name: unknown): Promise<StoredPasskey>;
}

/** A passkey's name as typed, trimmed, under the free-text rule; throws `invalid_name`. */
function checkName(name: unknown): string {
  const checked = checkFreeText(name, PASSKEY_NAME_RULE);
  if (!checked.ok) throw new PasskeyError('invalid_name', undefined, undefined, `Give the passkey a name of 1 to 64 characters of plain text: ${checked.message}.`);
  return checked.text;
}

export function createPasskeys(store: Store, rp: RelyingParty, options: { challengeTtl?: number } = {}): Passkeys {
  const challenges = createChallenges(store, options.challengeTtl);
  const credentials = createCredentialStore(store);

  async function takeChallenge(handle: unknown, purpose: ChallengePurpose, binding?: string) {
    const record = await challenges.take(handle);
    if (!record) throw new PasskeyError('challenge_missing');
    if (record.purpose !== purpose || record.binding !== binding) throw new PasskeyError('challenge_mismatch');
    return record;
  }

  return {
    rp,

    async startRegistration(account) {
      const options = await generateRegistrationOptions(rp, account, await credentials.list(account.kind, account.id));
      const handle = await challenges.issue({ challenge: options.challenge, purpose: 'registration', accountId: account.id });
      return { options, handle };
    },

    async finishRegistration({ account, handle, response, name, beforeStore }) {
      const trimmed = checkName(name);
      const record = await takeChallenge(handle, 'registration');
      if (record.accountId !== account.id) throw new PasskeyError('challenge_mismatch');
      const passkey = await verifyRegistration(rp, {
        response: response as RegistrationResponseJSON,
        challenge: record.challenge,
        account,
        name: trimmed,
        now: Date.now(),
      });
      await beforeStore?.(passkey);
      if (!(await credentials.add(passkey))) throw new PasskeyError('already_registered');
      return passkey;
    },

    async startAuthentication({ purpose, binding, accountId }) {
      let allow: StoredPasskey[] | undefined;
      if (purpose === 'stepup') {
        const kind = accountId ? accountKindOf(accountId) : null;
        allow = kind ? await credentials.list(kind, accountId!) : [];
        if (allow.length === 0) throw new PasskeyError('no_passkey');
      }
      const options = await generateAuthenticationOptions(rp, allow);
      const handle = await challenges.issue({ challenge: options.challenge, purpose, binding, ...(accountId ? { accountId } : {}) });
      return { options, handle };
    },

    async finishAuthentication({ purpose, binding, handle, response, accept }) {
      // The challenge goes first, whatever follows: a response is answered at most once.
      const record = await takeChallenge(handle, purpose, binding);
      const assertion = response as AuthenticationResponseJSON;
      const passkey = typeof assertion?.id === 'string' ? await credentials.find(assertion.id) : null;
      if (!passkey) throw new PasskeyError('unknown_credential');
      const owner = { id: passkey.id, accountId: passkey.accountId, accountKind: passkey.accountKind };
      if (record.accountId !== undefined && passkey.accountId !== record.accountId) throw new PasskeyError('wrong_account', owner);
      if (!(await accept(passkey))) throw new PasskeyError('wrong_account', owner);
      const userHandle = assertion.response?.userHandle;
      if (userHandle !== undefined && userHandle !== userHandleOf(passkey.accountId)) {
        throw new PasskeyError('not_verified', owner, 'user handle does not match the credential');
      }
      const verified = await verifyAuthentication(rp, { response: assertion, challenge: record.challenge, passkey });
      await credentials.recordUse(passkey, { counter: verified.newCounter, backedUp: verified.backedUp, at: Date.now() });
      return { passkey, method: methodOf({ deviceType: verified.deviceType }) };
    },

    list: (kind, accountId) => credentials.list(kind, accountId),
    count: (kind, accountId) => credentials.count(kind, accountId),

    async remove(kind, accountId, id) {
      const passkey = await credentials.find(id);
      if (!passkey || passkey.accountId !== accountId || !(await credentials.remove(kind, accountId, id))) {
        throw new PasskeyError('not_found');
      }
      return passkey;
    },

    async rename(kind, accountId, id, name) {
      const trimmed = checkName(name);
      const passkey = await credentials.find(id);
      if (!passkey || passkey.accountKind !== kind || passkey.accountId !== accountId) throw new PasskeyError('not_found');
      return credentials.rename(passkey, trimmed);
    },
  };
}

export { CHALLENGE_TTL } from './challenges.js';
export type { DeviceType, StoredPasskey } from './credentials.js';
export { PasskeyError, type PasskeyErrorCode, passkeyErrorMessages } from './errors.js';
export type { PasskeyAccount, RelyingParty } from './types.js';
