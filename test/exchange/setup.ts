/**
 * Shared setup for the token-exchange suites: a Gatehouse on a real Redis with extra
 * tenants, admins and clients for every row of PROTOCOL §4, and small wire helpers.
 */
import type { AuditEvent } from '../../src/audit/index.js';
import { startGatehouse, type StartOptions, type TestGatehouse } from '../helpers/gatehouse.js';
import { discover, login } from '../helpers/oidc-flow.js';
import { tenantOrigin } from '../helpers/ports.js';

export const ACME = tenantOrigin('acme');
export const GLOBEX = tenantOrigin('globex');
export const INITECH = tenantOrigin('initech');
export const T = {
  exchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  userId: 'urn:gatehouse:token-type:user-id',
  accessCode: 'urn:gatehouse:token-type:support-access-code',
  ticket: 'urn:gatehouse:token-type:impersonation-ticket',
};
export const SECRETS: Record<string, string> = {
  'support-console': 'dev-console-secret',
  'acme-app': 'dev-acme-secret',
  'globex-app': 'dev-globex-secret',
  'wonka-app': 'dev-wonka-secret',
  'initech-app': 'dev-initech-secret',
  'plain-app': 'dev-plain-secret',
};

/** The dev config plus what the refusal rows need. */
export function configureExchange(raw: Record<string, any>) {
  raw.tenants.push({ id: 'initech', name: 'Initech', domains: [INITECH], consent: 'opt-in' });
  raw.clients.push(
    {
      clientId: 'initech-app',
      clientSecret: SECRETS['initech-app'],
      role: 'tenant',
      tenant: 'initech',
      redirectUris: [`${INITECH}/callback`],
      grantTypes: ['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    },
    {
      clientId: 'plain-app',
      clientSecret: SECRETS['plain-app'],
      role: 'tenant',
      tenant: 'acme',
      redirectUris: [`${ACME}/plain`],
      grantTypes: ['authorization_code'],
    },
  );
  raw.roles.push({ name: 'globex-support', tenants: ['globex'], sensitive: false });
  raw.seed.admins.push(
    { email: 'nopass@gatehouse.test', name: 'No Passkey', password: 'nopass-demo-pass', roles: ['support'] },
    { email: 'gina@gatehouse.test', name: 'Gina Globex-only', password: 'gina-demo-pass', roles: ['globex-support'] },
  );
  raw.seed.users.push(
    { tenant: 'initech', email: 'ivy@initech.test', name: 'Ivy Initech', password: 'ivy-demo-pass' },
    { tenant: 'acme', email: 'dan@acme.test', name: 'Disabled Dan', password: 'dan-demo-pass' },
  );
}

export async function startExchangeGatehouse(options: StartOptions = {}): Promise<TestGatehouse> {
  return startGatehouse({
    ...options,
    configure: (raw) => {
      configureExchange(raw);
      options.configure?.(raw);
    },
  });
}

export function basic(clientId: string) {
  return `Basic ${Buffer.from(`${clientId}:${SECRETS[clientId]}`).toString('base64')}`;
}

/** POST /token as `clientId`; returns status, JSON body and headers. */
export async function tokenRequest(issuer: string, clientId: string | null, fields: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(clientId ? { authorization: basic(clientId) } : {}),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any>, headers: res.headers };
}

export function mintFields(actorToken: string, subject: string, extra: Record<string, string | string[]> = {}) {
  return {
    grant_type: T.exchange,
    actor_token: actorToken,
    actor_token_type: T.accessToken,
    subject_token: subject,
    subject_token_type: T.userId,
    audience: ACME,
    reason: 'Ticket #4711: customer cannot see invoices',
    ...extra,
  };
}

export function redeemFields(ticket: string) {
  return { grant_type: T.exchange, subject_token: ticket, subject_token_type: T.ticket, requested_token_type: T.accessToken };
}

/** An admin's password-only access token (acr pwd), issued to the console client. */
export async function passwordAdminToken(gh: TestGatehouse, email: string, password: string) {
  const console = await discover(gh.issuer, 'support-console', SECRETS['support-console']);
  const { tokens } = await login(console, { redirectUri: `${gh.issuer}/admin/callback`, email, password });
  return tokens.access_token;
}

export async function userId(gh: TestGatehouse, tenant: string, email: string) {
  const user = await gh.gatehouse.services.accounts.users.findByEmail(tenant, email);
  if (!user) throw new Error(`no user ${email}`);
  return user.id;
}

/** The newest audit event of a type (events are appended before responses). */
export async function lastEvent(gh: TestGatehouse, type: AuditEvent['type']): Promise<AuditEvent | undefined> {
  const page = await gh.gatehouse.services.audit.list({ type }, { limit: 1 });
  return page.events[0];
}
