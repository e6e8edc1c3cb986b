/**
 * The stack the demo tenant app suite runs on: a real redis-server, a real Gatehouse whose
 * tenant origins are moved to the app's test port, and the tenant app itself with a log that
 * the tests read. Plus browser-like helpers over test/helpers/http-agent.ts.
 */
import assert from 'node:assert/strict';
import { startTenantApp, type TenantApp, tenantsFromConfig } from '../../examples/tenant-app/index.js';
import { type StartOptions, startGatehouse, type TestGatehouse, tenantsOn } from '../helpers/gatehouse.js';
import { formFields, type HttpAgent } from '../helpers/http-agent.js';
import { freePort } from '../helpers/ports.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { routeSubdomainsToLoopback } from './subdomain-fetch.js';

export interface LogEntry {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface Demo {
  gh: TestGatehouse;
  redis: RedisServer;
  app: TenantApp;
  acme: string;
  globex: string;
  logs: LogEntry[];
  stop(): Promise<void>;
}

export interface DemoOptions {
  /** The app's `recheckSeconds` (the RP kit's default, 30, when absent). */
  recheckSeconds?: number;
  storePrefix?: string;
  /** More changes to the Gatehouse config (after the tenants moved to the app's port). */
  configure?: StartOptions['configure'];
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const restoreFetch = routeSubdomainsToLoopback();
  const port = await freePort();
  const redis = await startRedisServer();
  const gh = await startGatehouse({
    redisUrl: redis.url,
    ...(options.storePrefix ? { storePrefix: options.storePrefix } : {}),
    configure: (raw) => {
      // The dev config's tenant origins are on port 4000; the app under test listens on `port`.
      const moved = <T>(value: T) => tenantsOn(value, port);
      raw.tenants = moved(raw.tenants);
      raw.clients = moved(raw.clients);
      raw.seed.users.push({ tenant: 'acme', email: 'mallory@acme.test', name: '<img src=x onerror=alert(1)>', password: 'mallory-demo-pass' });
      options.configure?.(raw);
    },
  });
  const logs: LogEntry[] = [];
  const record = (level: string) => (obj: object, msg: string) => void logs.push({ level, ...obj, msg });
  const app = await startTenantApp({
    issuer: gh.issuer,
    port,
    host: '127.0.0.1',
    tenants: tenantsFromConfig(gh.config.declared),
    consoleUrl: `${gh.issuer}/admin`,
    cookieKeys: ['test-tenant-app-key'],
    ...(options.recheckSeconds !== undefined ? { recheckSeconds: options.recheckSeconds } : {}),
    logger: { info: record('info'), warn: record('warn'), error: record('error') },
  });
  return {
    gh,
    redis,
    app,
    acme: `http://acme.localhost:${port}`,
    globex: `http://globex.localhost:${port}`,
    logs,
    async stop() {
      await app.close();
      await gh.stop();
      await redis.stop();
      restoreFetch();
    },
  };
}

/** Signs in at `origin` through Gatehouse's login (and consent) pages; returns the app page it lands on. */
export async function signIn(agent: HttpAgent, origin: string, email: string, password: string) {
  let step = await agent.follow(`${origin}/login`, () => false);
  for (let i = 0; i < 6; i++) {
    if (step.url.origin === origin) return { url: step.url, status: step.res?.status, html: step.html ?? '' };
    const html = step.html ?? '';
    const action = html.includes('name="password"') ? 'login' : html.includes('/confirm"') ? 'confirm' : undefined;
    if (!action) throw new Error(`unexpected page at ${step.url}: ${html.slice(0, 300)}`);
    const fields: Record<string, string> = { csrf: formFields(html).csrf ?? '' };
    if (action === 'login') Object.assign(fields, { email, password });
    const res = await agent.postForm(new URL(`${step.url.pathname}/${action}`, step.url), fields);
    const location = res.headers.get('location');
    if (!location) throw new Error(`${action} refused with ${res.status}`);
    step = await agent.follow(new URL(location, step.url), () => false);
  }
  throw new Error('sign-in did not come back to the app');
}

/** The CSRF field of a page the app rendered. */
export const csrfOf = (html: string) => formFields(html).csrf ?? '';

/** A cookie's value in the agent's jar. */
export const cookie = (agent: HttpAgent, name: string) =>
  new RegExp(`(?:^|; )${name.replace('.', '\\.')}=([^;]*)`).exec(agent.cookieHeader())?.[1];

/** Leg 1 as the support console (PROTOCOL.md §3 step 2): a ticket for `subject` at `audience`. */
export async function mintTicket(issuer: string, p: { actorToken: string; subject: string; audience: string; reason: string }) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('support-console:dev-console-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      actor_token: p.actorToken,
      actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: p.subject,
      subject_token_type: 'urn:gatehouse:token-type:user-id',
      audience: p.audience,
      reason: p.reason,
    }),
  });
  const body = (await res.json()) as Record<string, string>;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}
