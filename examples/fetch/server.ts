// The same tenant app as one web-standard handler, (Request) => Response, served by plain
// node:http (Bun, Deno and workers serve such a handler as it is). Next to
// `GATEHOUSE_DEMO_APP=off npm start` (the demo app would hold Acme's origin, port 4000):
//   npx tsx examples/fetch/server.ts
// then impersonate Bob Acme from the console at http://localhost:3000/admin.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import type { ImpersonationState } from '@gatehouse/rp';
import { gatehouseRp } from '@gatehouse/rp/fetch';

interface User {
  sub: string;
  name: string;
  email: string;
}

const issuer = process.env.GATEHOUSE_ISSUER ?? 'http://localhost:3000';
// Your tenant's domain in Gatehouse's config, and acme-app's secret (the dev config's values).
const origin = process.env.APP_ORIGIN ?? 'http://acme.localhost:4000';
const clientSecret = process.env.GATEHOUSE_CLIENT_SECRET ?? 'dev-acme-secret';

// Who the impersonated user is: Gatehouse's /me answers the impersonation token with their claims.
async function profile(impersonation: ImpersonationState): Promise<Partial<User> | null> {
  const res = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${impersonation.accessToken}` } });
  return res.ok ? ((await res.json()) as Partial<User>) : null;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const rp = gatehouseRp<User>({
  issuer,
  clientId: 'acme-app',
  clientSecret,
  origin,
  cookieKeys: [process.env.COOKIE_KEY ?? 'dev-only-cookie-key'], // the first signs, all verify
  getUser: () => null, // your own sign-in goes here
  getUserById: (_sub, _request, impersonation) => profile(impersonation),
  onEvent: (event) => console.log('gatehouse:', event.type),
});

// The kit answers its own routes (redeem, stop, back-channel logout); every other request gets the state.
const handler = rp.wrap((request, state) => {
  const { pathname } = new URL(request.url);
  if (request.method === 'POST' && pathname === '/settings/email') {
    return rp.forbidWhileImpersonating(request, state) ?? new Response('Email changed.'); // 403 while impersonating
  }
  const { currentUser, impersonation } = state;
  const banner = impersonation
    ? `<p role="alert">${escapeHtml(impersonation.actorDisplay || 'Support')} is signed in as you: ${escapeHtml(impersonation.reason)}
<form method="post" action="/impersonate/stop"><button>Stop</button></form></p>`
    : '';
  const html = `<!doctype html><title>Acme</title>${banner}
<h1>${currentUser ? `Hello, ${escapeHtml(currentUser.name ?? currentUser.sub)}` : 'Signed out'}</h1>
<form method="post" action="/settings/email"><button>Change email</button></form>`;
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
});

// node:http to Request and Response to node:http.
createServer(async (req, res) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  });
  const response = await handler(request);
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  res.setHeader('set-cookie', response.headers.getSetCookie());
  res.end(Buffer.from(await response.arrayBuffer()));
}).listen(Number(new URL(origin).port || 80), () => console.log(`Acme on ${origin}`));
