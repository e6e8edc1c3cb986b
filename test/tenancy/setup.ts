/**
 * Shared setup for the management API suites: management clients in the config (one with
 * every scope, one that may only read), their tokens, a suite's Gatehouse with them, and a
 * small JSON client.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { startExchangeGatehouse, tokenRequest, SECRETS } from '../exchange/setup.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';

export const OPS = { clientId: 'ops', secret: 'dev-ops-management-secret' };
export const AUDITOR = { clientId: 'auditor', secret: 'dev-auditor-management-secret' };
SECRETS[OPS.clientId] = OPS.secret;
SECRETS[AUDITOR.clientId] = AUDITOR.secret;

const ALL = 'manage:tenants manage:clients manage:roles read:tenants read:clients read:roles';

/** Adds the two management clients to a raw config. */
export function configureManagement(raw: Record<string, any>) {
  raw.clients.push(
    { clientId: OPS.clientId, clientSecret: OPS.secret, role: 'management', grantTypes: ['client_credentials'], scope: ALL },
    { clientId: AUDITOR.clientId, clientSecret: AUDITOR.secret, role: 'management', grantTypes: ['client_credentials'], scope: 'read:tenants read:clients read:roles' },
  );
}

/** A client credentials access token for the management API (RFC 8707 resource). */
export async function manageToken(issuer: string, clientId: string, scope = ALL): Promise<string> {
  const res = await tokenRequest(issuer, clientId, { grant_type: 'client_credentials', scope, resource: `${issuer}/manage` });
  if (res.status !== 200) throw new Error(`no management token for ${clientId}: ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/**
 * The suite's Gatehouse (token exchange set up, the management clients added) on a test
 * Redis, and `ops`, a management token with every scope: started before the suite's tests,
 * stopped after them. Call it in the `describe`; read the fields in the tests.
 */
export function managedGatehouse(): { readonly gh: TestGatehouse; readonly ops: string } {
  const suite = {} as { redis: TestRedis; gh: TestGatehouse; ops: string };
  before(async () => {
    suite.redis = await startTestRedis();
    suite.gh = await startExchangeGatehouse({ redisEnv: suite.redis.env, configure: configureManagement });
    suite.ops = await manageToken(suite.gh.issuer, OPS.clientId);
  });
  after(async () => {
    await suite.gh?.stop();
    await suite.redis?.stop();
  });
  return suite;
}

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** One management API call; `body` is sent as JSON unless it is a string (sent as is). */
export async function api(issuer: string, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const res = await fetch(`${issuer}/manage/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // left as text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * A web server standing for a tenant's new custom domain (`http://<name>.localhost:<port>`):
 * it serves whatever token it is told to at the well-known path.
 */
export async function startDomainServer(): Promise<{ port: number; tokens: Map<string, string>; close(): Promise<void> }> {
  const tokens = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const host = String(req.headers.host ?? '');
    const token = tokens.get(host);
    if (req.url === '/.well-known/gatehouse-domain-verification' && token) return res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    tokens,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
