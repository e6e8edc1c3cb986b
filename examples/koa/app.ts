// A tenant app that lets Gatehouse's support in, on Koa: a banner with a Stop button while
// support is signed in as a user, and an action support may never take. Next to
// `GATEHOUSE_DEMO_APP=off npm start` (the demo app would hold Acme's origin, port 4000):
//   npx tsx examples/koa/app.ts
// then impersonate Bob Acme from the console at http://localhost:3000/admin.
import Router from '@koa/router';
import Koa from 'koa';
import type { GatehouseRpState, ImpersonationState } from '@gatehouse/rp';
import { forbidWhileImpersonating, gatehouseRp } from '@gatehouse/rp/koa';

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

const app = new Koa<GatehouseRpState<User>>();
app.keys = [process.env.COOKIE_KEY ?? 'dev-only-cookie-key']; // signs the kit's cookie

app.use(
  gatehouseRp<User>({
    issuer,
    clientId: 'acme-app',
    clientSecret,
    origin,
    getUser: () => null, // your own sign-in goes here
    getUserById: (_sub, _ctx, impersonation) => profile(impersonation),
    onEvent: (event) => console.log('gatehouse:', event.type),
  }),
);

const router = new Router<GatehouseRpState<User>>();

router.get('/', (ctx) => {
  const { currentUser, impersonation } = ctx.state;
  const banner = impersonation
    ? `<p role="alert">${escapeHtml(impersonation.actorDisplay || 'Support')} is signed in as you: ${escapeHtml(impersonation.reason)}
<form method="post" action="/impersonate/stop"><button>Stop</button></form></p>`
    : '';
  ctx.type = 'html';
  ctx.body = `<!doctype html><title>Acme</title>${banner}
<h1>${currentUser ? `Hello, ${escapeHtml(currentUser.name ?? currentUser.sub)}` : 'Signed out'}</h1>
<form method="post" action="/settings/email"><button>Change email</button></form>`;
});

router.post('/settings/email', forbidWhileImpersonating(), (ctx) => {
  ctx.body = 'Email changed.'; // never while impersonating: 403
});

app.use(router.routes()).use(router.allowedMethods());
app.listen(Number(new URL(origin).port || 80), () => console.log(`Acme on ${origin}`));
