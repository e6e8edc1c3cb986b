/**
 * What every bench needs of a deployment: its clients' credentials, and an admin stepped up
 * with a passkey whose actor token mints tickets for the deployment's user (the mint and
 * redemption requests' fields).
 */
import { SoftwareAuthenticator } from '../test/helpers/authenticator.js';
import { signInConsole, stepUp } from '../test/helpers/console.js';
import { enrollAdminWithCli } from '../test/helpers/enroll.js';
import { ACME_ORIGIN, ADMIN, type Deployment } from './deployment.js';

export const T = {
  exchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  userId: 'urn:gatehouse:token-type:user-id',
  ticket: 'urn:gatehouse:token-type:impersonation-ticket',
};

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** A form POST that must succeed; its JSON answer. */
export async function post(url: string, authorization: string, fields: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });
  const body = (await res.json()) as Record<string, string>;
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * The admin enrolled as an operator would (a one-time link from the CLI, opened with a
 * passkey), signed in to the console and stepped up, over HTTP as a browser would.
 */
export async function impersonationRequests(dep: Deployment) {
  const key = new SoftwareAuthenticator();
  await enrollAdminWithCli(dep.env, ADMIN, key);
  const { agent } = await signInConsole(dep.issuer, ADMIN);
  const actor = (await stepUp(dep.issuer, agent, key, {}, dep.secrets.console)).accessToken;
  const mintFields = {
    grant_type: T.exchange,
    actor_token: actor,
    actor_token_type: T.accessToken,
    subject_token: dep.userId,
    subject_token_type: T.userId,
    audience: ACME_ORIGIN,
    reason: 'BENCH-1: load test',
  };
  const redeemFields = (ticket: string) => ({ grant_type: T.exchange, subject_token: ticket, subject_token_type: T.ticket, requested_token_type: T.accessToken });
  return { mintFields, redeemFields, consoleAuth: basic('support-console', dep.secrets.console), acmeAuth: basic('acme-app', dep.secrets.acme) };
}
