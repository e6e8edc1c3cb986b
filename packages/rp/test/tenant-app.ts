/**
 * A tenant app for the middleware tests: real Koa on 127.0.0.1, gatehouseRp in front, and a
 * browser-like client (fetch + a cookie jar, redirects not followed).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { GatehouseRpEvent, GatehouseRpState } from '../src/index.js';
import { forbidWhileImpersonating, type GatehouseRpOptions, gatehouseRp } from '../src/koa/index.js';
import { CLIENT_ID, CLIENT_SECRET, type IssuerFixture } from './issuer-fixture.js';

interface AppUser {
  sub: string;
  name: string;
}

export interface TenantApp {
  origin: string;
  events: GatehouseRpEvent[];
  /** Sends a request as the browser: its cookies go along, Set-Cookie updates them. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  cookies: Map<string, string>;
  close(): Promise<void>;
}

/** Starts the app; `gh.audience` becomes its origin, so the fixture mints tokens for it. */
export async function startTenantApp(
  gh: IssuerFixture,
  options: Partial<GatehouseRpOptions<AppUser>> = {},
): Promise<TenantApp> {
  const app = new Koa<GatehouseRpState<AppUser>>();
  app.keys = ['test-cookie-key'];
  app.silent = true;
  const events: GatehouseRpEvent[] = [];
  // Listen first: the origin (the token's aud) must be known before gatehouseRp is configured.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gh.audience = origin;

  app.use(
    gatehouseRp<AppUser>({
      issuer: gh.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      origin,
      afterRedeem: '/account',
      afterStop: () => '/admin-return',
      // The app's own login, faked: a header names the signed-in user.
      getUser: (ctx) => {
        const sub = ctx.get('x-user');
        return sub ? { sub, name: `Own ${sub}` } : null;
      },
      getUserById: async (sub) => ({ name: `Profile of ${sub}` }),
      onEvent: (event) => events.push(event),
      ...options,
    }),
  );
  app.use(async (ctx, next) => {
    if (ctx.path !== '/danger') return next();
    await forbidWhileImpersonating()(ctx, async () => {
      ctx.body = 'done';
    });
  });
  app.use((ctx) => {
    const { currentUser, trueUser, impersonation } = ctx.state;
    ctx.body = { currentUser, trueUser, impersonation };
  });
  server.on('request', app.callback());

  const cookies = new Map<string, string>();
  return {
    origin,
    events,
    cookies,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await fetch(`${origin}${path}`, { ...init, headers, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';');
        const [name = '', value = ''] = pair.split('=');
        const expired = attributes.some((a) => /expires=Thu, 01 Jan 1970/i.test(a));
        if (expired || value === '') cookies.delete(name.trim());
        else cookies.set(name.trim(), value);
      }
      return res;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POSTs a ticket as the console's auto-submitting form would (PROTOCOL.md §3 step 3). */
export function postTicket(app: TenantApp, ticket: string, path = '/impersonate'): Promise<Response> {
  return app.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ticket }).toString(),
  });
}
