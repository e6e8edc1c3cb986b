/**
 * Giving accounts passkeys in tests. `givePasskey` is setup for suites about something
 * else (the passkey service's own ceremony, no HTTP); `enrollAdmin` walks an admin's
 * one-time enrollment link over HTTP, as the admin's browser would.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { AccountKind } from '../../src/accounts/types.js';
import type { SoftwareAuthenticator } from './authenticator.js';
import type { TestGatehouse } from './gatehouse.js';
import { formFields, HttpAgent } from './http-agent.js';

/** Registers a passkey for an account through the passkey service (no HTTP, no policy). */
export async function givePasskey(gh: TestGatehouse, kind: AccountKind, email: string, authenticator: SoftwareAuthenticator, name = 'test key', tenant = 'acme') {
  const { accounts, passkeys } = gh.gatehouse.services;
  const found = kind === 'admin' ? await accounts.admins.findByEmail(email) : await accounts.users.findByEmail(tenant, email);
  if (!found) throw new Error(`no ${kind} ${email}`);
  const account = { kind, id: found.id, email: found.email, name: found.name };
  const { options, handle } = await passkeys.startRegistration(account);
  const response = authenticator.createCredential(options, gh.issuer);
  return passkeys.finishRegistration({ account, handle, response, name });
}
