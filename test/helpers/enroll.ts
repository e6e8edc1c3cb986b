/**
 * Giving accounts passkeys in tests. `givePasskey` is setup for suites about something
 * else (the passkey service's own ceremony, no HTTP); `enrollAdmin` walks an admin's
 * one-time enrollment link over HTTP, as the admin's browser would.
 */
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { AccountKind } from '../../src/accounts/types.js';
import { issueEnrollment } from '../../src/enrollment/index.js';
import { SoftwareAuthenticator } from './authenticator.js';
import { signInConsole, stepUp } from './console.js';
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

/** Issues an enrollment link for the admin as the CLI would (audited, announced). */
export async function issueLink(gh: TestGatehouse, email: string): Promise<string> {
  const { store, audit, config, accounts } = gh.gatehouse.services;
  const admin = await accounts.admins.findByEmail(email);
  if (!admin) throw new Error(`no admin ${email}`);
  const deps = { store, audit, issuer: config.issuer, ttl: config.policy.passkeyEnrollmentTtl };
  return (await issueEnrollment(deps, admin, { by: 'cli', via: 'cli' })).url;
}

export interface EnrollResult {
  status: number;
  body: Record<string, unknown>;
  credentialId?: string;
}

/**
 * Opens an enrollment link, types the password and runs the registration ceremony, as the
 * admin's browser would. `beforeVerify` runs between the options and the verify.
 */
export async function useLink(
  url: string,
  password: string,
  authenticator: SoftwareAuthenticator,
  options: { name?: string; agent?: HttpAgent; beforeVerify?: () => Promise<void>; /** The issuer's origin, when the link is sent to another instance. */ rpOrigin?: string } = {},
): Promise<EnrollResult> {
  const agent = options.agent ?? new HttpAgent();
  const origin = new URL(url).origin;
  const opened = await agent.fetch(url);
  if (opened.status !== 200) return { status: opened.status, body: {} };
  const token = new URL(url).searchParams.get('token') ?? '';
  const posted = await agent.postForm(`${origin}/admin/enroll`, { csrf: formFields(await opened.text()).csrf ?? '', token, password });
  if (posted.status !== 303) return { status: posted.status, body: {} };
  const page = await (await agent.fetch(`${origin}/admin/enroll/passkey`)).text();
  const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1] ?? '';
  const json = (path: string, body: unknown) =>
    agent.fetch(`${origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
  const started = await json('/admin/enroll/options', {});
  if (!started.ok) return { status: started.status, body: (await started.json().catch(() => ({}))) as Record<string, unknown> };
  const { options: creation, handle } = (await started.json()) as { options: PublicKeyCredentialCreationOptionsJSON; handle: string };
  const response = authenticator.createCredential(creation, options.rpOrigin ?? origin);
  await options.beforeVerify?.();
  const verified = await json('/admin/enroll/verify', { handle, response, name: options.name ?? 'enrolled key' });
  return { status: verified.status, body: (await verified.json().catch(() => ({}))) as Record<string, unknown>, credentialId: response.id };
}

/** An admin's passkey through a fresh enrollment link, over HTTP; throws when refused. */
export async function enrollAdmin(gh: TestGatehouse, credentials: { email: string; password: string }, authenticator: SoftwareAuthenticator, name = 'enrolled key') {
  const result = await useLink(await issueLink(gh, credentials.email), credentials.password, authenticator, { name });
  if (result.status !== 200) throw new Error(`enrollment refused (${result.status}): ${JSON.stringify(result.body)}`);
  return result;
}

/**
 * An admin's passkey the way an operator hands one out: `gatehouse admin enroll-link`
 * (the CLI, against the deployment's store and config in `env`), then the link opened
 * over HTTP. For suites whose Gatehouse runs in other processes.
 */
export async function enrollAdminWithCli(
  env: Record<string, string>,
  credentials: { email: string; password: string },
  authenticator: SoftwareAuthenticator,
  options: { cli?: string[]; rpOrigin?: string } = {},
) {
  const { execFile } = await import('node:child_process');
  const url = await new Promise<string>((done, fail) =>
    execFile(process.execPath, [...(options.cli ?? ['bin/gatehouse.js']), 'admin', 'enroll-link', credentials.email], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? fail(new Error(`enroll-link: ${stderr || err.message}`)) : done(stdout.trim().split('\n')[0]!),
    ),
  );
  const result = await useLink(url, credentials.password, authenticator, options.rpOrigin ? { rpOrigin: options.rpOrigin } : {});
  if (result.status !== 200) throw new Error(`enrollment refused (${result.status}): ${JSON.stringify(result.body)}`);
  return result;
}

/**
 * A stepped-up actor token of an admin: their first passkey from an enrollment link, a
 * password sign-in to the console, then a passkey step-up (acr phr), as a mint needs.
 */
export async function steppedUpActor(gh: TestGatehouse, credentials: { email: string; password: string }, authenticator = new SoftwareAuthenticator()): Promise<string> {
  await enrollAdmin(gh, credentials, authenticator, 'laptop');
  const { agent } = await signInConsole(gh.issuer, credentials);
  return (await stepUp(gh.issuer, agent, authenticator)).accessToken;
}
