/**
 * Shared by the approval suites: the demo's `wonka` tenant (consent `approval`, approver
 * violet, sensitive willy) and acme's sensitive carol (two-person rule), driven over HTTP
 * as the console, the customer's /account and the token endpoint see them.
 */
import assert from 'node:assert/strict';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { csrfOf, postJson } from '../helpers/console.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { mintFields, T, tokenRequest } from '../exchange/setup.js';
import { tenantOrigin } from '../helpers/ports.js';

export const WONKA = tenantOrigin('wonka');
export const REASON = 'Ticket #1971: chocolate orders stuck';
export const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };
export const LENA = { email: 'lena@gatehouse.test', password: 'lena-demo-pass' };
export const GINA = { email: 'gina@gatehouse.test', password: 'gina-demo-pass' };

/** Files an access request in the console; returns the status and the request id it leads to. */
export async function fileRequest(issuer: string, agent: HttpAgent, user: string, fields: Record<string, string> = {}) {
  const csrf = csrfOf(await (await agent.fetch(`${issuer}/admin`)).text());
  const res = await agent.postForm(`${issuer}/admin/access-requests`, { csrf, user, reason: REASON, duration: '900', ...fields });
  const id = /\/admin\/access-requests\/(ar_[A-Za-z0-9_-]+)$/.exec(res.headers.get('location') ?? '')?.[1];
  return { status: res.status, id, html: res.status === 303 ? '' : await res.text() };
}

/** The state the console's page polls. */
export async function requestState(issuer: string, agent: HttpAgent, id: string) {
  const res = await agent.fetch(`${issuer}/admin/access-requests/${id}/state`, { headers: { accept: 'application/json' } });
  return { status: res.status, body: (await res.json()) as { state?: string; error?: string; waitingFor?: string[] } };
}

/** A second admin's answer in the console. */
export async function secondAdmin(issuer: string, agent: HttpAgent, id: string, decision: 'approve' | 'deny' = 'approve') {
  const page = await agent.fetch(`${issuer}/admin`);
  const res = await agent.postForm(`${issuer}/admin/access-requests/${id}/${decision}`, { csrf: csrfOf(await page.text()) });
  const html = res.status === 303 ? '' : await res.text();
  return { status: res.status, location: res.headers.get('location'), code: /data-code="([a-z_]+)"/.exec(html)?.[1] };
}

/** Signs a user in on /account with a password. */
export async function accountSignIn(issuer: string, tenant: string, email: string, password: string) {
  const agent = new HttpAgent();
  const signin = await (await agent.fetch(`${issuer}/account`)).text();
  const res = await agent.postForm(`${issuer}/account/login`, { csrf: formFields(signin).csrf ?? '', tenant, email, password });
  assert.equal(res.status, 303, `sign-in of ${email}`);
  return agent;
}

/** The customer's answer on /account with the session alone (users without a passkey). */
export async function customerAnswer(issuer: string, agent: HttpAgent, id: string, decision: 'approve' | 'deny') {
  const csrf = csrfOf(await (await agent.fetch(`${issuer}/account`)).text());
  const res = await agent.postForm(`${issuer}/account/access-requests/${id}/${decision}`, { csrf });
  return { status: res.status, body: res.status === 303 ? '' : await res.text() };
}

/** The customer's approval with a passkey: the ceremony static/passkey.js runs. */
export async function customerApproveWithPasskey(issuer: string, agent: HttpAgent, id: string, key: SoftwareAuthenticator) {
  const csrf = /data-csrf="([^"]+)"/.exec(await (await agent.fetch(`${issuer}/account`)).text())?.[1] ?? '';
  const started = await postJson(agent, `${issuer}/account/access-requests/${id}/approve/options`, csrf, { mode: 'stepup' });
  if (!started.ok) return { status: started.status, body: await started.text() };
  const { options, handle } = (await started.json()) as { options: PublicKeyCredentialRequestOptionsJSON; handle: string };
  const response = key.getAssertion(options, issuer);
  const res = await postJson(agent, `${issuer}/account/access-requests/${id}/approve/verify`, csrf, { handle, response, mode: 'stepup' });
  return { status: res.status, body: await res.text() };
}

/** Leg 1 at the token endpoint for a wonka (or other) user. */
export function mint(issuer: string, actorToken: string, user: string, audience = WONKA, extra: Record<string, string> = {}) {
  return tokenRequest(issuer, 'support-console', mintFields(actorToken, user, { audience, reason: REASON, ...extra }));
}

export { T };
