/**
 * The accounts feature's one table of error codes. Callers (console, CLI, interactions)
 * switch on `code`, never on message text.
 */
export const accountErrorMessages = {
  email_taken: 'an account with this email already exists',
  not_found: 'no such account',
  invalid_email: 'not a valid email address',
  invalid_name: 'a name must be 1 to 200 characters of plain text on one line',
  invalid_tenant: 'not a valid tenant id',
  invalid_role: 'a role name must be a non-empty string',
  invalid_password: 'a password must be 8 to 1024 characters',
} as const;

export type AccountErrorCode = keyof typeof accountErrorMessages;

export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly code: AccountErrorCode,
    message: string = accountErrorMessages[code],
  ) {
    super(message);
  }
}
