/**
 * Why a passkey ceremony was refused: one table of stable codes, read by routes (the
 * JSON answer), audit events and tests. Messages are safe to show to the person at the
 * browser; none says whether some other account exists.
 */
export const passkeyErrorMessages = {
  challenge_missing: 'This passkey request expired or was already used. Try again.',
  challenge_mismatch: 'This passkey response does not answer the request it was sent with. Try again.',
  unknown_credential: 'This passkey is not registered with Gatehouse.',
  no_passkey: 'There is no passkey registered for this account yet.',
  wrong_account: 'This passkey belongs to a different account.',
  not_verified: 'The passkey could not be verified. Try again, and unlock your authenticator when asked.',
  counter_regressed: 'This passkey was refused: its signature counter went backwards (a possible copy). Contact your security team.',
  already_registered: 'This passkey is already registered.',
  invalid_name: 'Give the passkey a name of 1 to 64 characters: one line of plain text.',
  not_found: 'No such passkey.',
  last_passkey:
    'You cannot remove your last passkey while you may impersonate users: impersonation needs a passkey step-up. Register another passkey first.',
} as const;

export type PasskeyErrorCode = keyof typeof passkeyErrorMessages;

export class PasskeyError extends Error {
  override readonly name = 'PasskeyError';
  constructor(
    readonly code: PasskeyErrorCode,
    /** The stored credential involved, when one was found (audit: whose passkey). */
    readonly credential?: { id: string; accountId: string; accountKind: string },
    /** What the library said (logged, never shown). */
    readonly detail?: string,
    /** A more precise message than the table's, safe to show (which character a name may not hold). */
    shown?: string,
  ) {
    super(shown ?? passkeyErrorMessages[code]);
  }
}
