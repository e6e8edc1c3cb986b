/**
 * One tiny tenant app per framework, each a real server of that framework on 127.0.0.1 with the
 * kit in front, imported by package name as a customer would: Koa (`@gatehouse/rp/koa`), Express
 * (`@gatehouse/rp/express`) and Hono on @hono/node-server (`@gatehouse/rp/fetch`). Each serves
 * GET /whoami (the kit's state as JSON), GET /invoices/:id and a guarded POST /danger.
 */
import type { Server } from 'node:http';
import Router from '@koa/router';
import { serve } from '@hono/node-server';
import type { EndedSessionStore, GatehouseRpEvent, GatehouseRpState } from '@gatehouse/rp';
import { forbidWhileImpersonating as koaForbid, gatehouseRp as koaRp } from '@gatehouse/rp/koa';
import { gatehouseRp as expressRp, forbidWhileImpersonating as expressForbid } from '@gatehouse/rp/express';
import { gatehouseRp as fetchRp } from '@gatehouse/rp/fetch';
import express from 'express';
import { Hono } from 'hono';
import Koa from 'koa';

export interface KitSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  origin: string;
  port: number;
  recheckSeconds?: number;
  activityFlushSeconds?: number;
  /** Sees every kit event (logouts, refused activity…). */
  onEvent?: (event: GatehouseRpEvent) => void;
  /** Ended sessions shared by the app's processes. */
  endedSessions?: EndedSessionStore;
}

export interface FrameworkApp {
  close(): Promise<void>;
}

const COOKIE_KEYS = ['framework-test-cookie-key-0123456789'];

/** What /whoami answers: the state without the token itself. */
function view(state: GatehouseRpState) {
  const { impersonation } = state;
  return {
    currentUser: state.currentUser,
    trueUser: state.trueUser,
    impersonation: impersonation && { ...impersonation, accessToken: impersonation.accessToken ? '(present)' : '' },
  };
}

const closing = (server: Server) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const listening = (server: Server) => new Promise<void>((resolve) => server.once('listening', resolve));

export async function startKoaApp(kit: KitSettings): Promise<FrameworkApp> {
  const app = new Koa<GatehouseRpState>();
  app.keys = COOKIE_KEYS;
  app.silent = true;
  app.use(koaRp({ ...kit, getUserById: (sub) => ({ profile: `koa profile of ${sub}` }) }));
  const router = new Router<GatehouseRpState>();
  router.get('/invoices/:id', (ctx) => {
    ctx.body = `invoice ${ctx.params.id}`;
  });
  app.use(router.routes());
  app.use(async (ctx, next) => {
    if (ctx.path === '/whoami') ctx.body = view(ctx.state);
    else if (ctx.path === '/danger' && ctx.method === 'POST') {
      await koaForbid()(ctx, async () => {
        ctx.body = 'done';
      });
    }
    else await next();
  });
  const server = app.listen(kit.port, '127.0.0.1');
  await listening(server);
  return { close: closing(server) };
}

export async function startExpressApp(kit: KitSettings): Promise<FrameworkApp> {
  const app = express();
  app.use(expressRp({ ...kit, cookieKeys: COOKIE_KEYS, getUserById: (sub) => ({ profile: `express profile of ${sub}` }) }));
  app.get('/whoami', (_req, res) => {
    res.json(view(res.locals as unknown as GatehouseRpState));
  });
  app.post('/danger', expressForbid(), (_req, res) => {
    res.send('done');
  });
  app.get('/invoices/:id', (req, res) => {
    res.send(`invoice ${req.params.id}`);
  });
  const server = app.listen(kit.port, '127.0.0.1');
  await listening(server);
  return { close: closing(server) };
}

export async function startHonoApp(kit: KitSettings): Promise<FrameworkApp> {
  const rp = fetchRp<Record<string, unknown>>({ ...kit, cookieKeys: COOKIE_KEYS, getUserById: (sub) => ({ profile: `hono profile of ${sub}` }) });
  const app = new Hono<{ Variables: { rp: GatehouseRpState } }>();
  app.use(async (c, next) => {
    const result = await rp.handle(c.req.raw);
    if (result.response) return result.response;
    c.set('rp', result.state);
    await next();
    // With handle() the app reports each request itself (wrap() does it for you).
    rp.record(c.req.raw, result.state, c.res);
    for (const value of result.headers.getSetCookie()) c.res.headers.append('Set-Cookie', value);
  });
  app.get('/whoami', (c) => c.json(view(c.get('rp'))));
  app.post('/danger', (c) => rp.forbidWhileImpersonating(c.req.raw, c.get('rp')) ?? c.text('done'));
  app.get('/invoices/:id', (c) => c.text(`invoice ${c.req.param('id')}`));
  const server = serve({ fetch: app.fetch, port: kit.port, hostname: '127.0.0.1' }) as Server;
  await listening(server);
  return { close: closing(server) };
}
