import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { forbidWhileImpersonating, gatehouseRp } from '../src/koa/index.js';
import { CLIENT_ID, CLIENT_SECRET, type IssuerFixture, startIssuer } from './issuer-fixture.js';
import { postTicket, startTenantApp, type TenantApp } from './tenant-app.js';

let gh: IssuerFixture;
let app: TenantApp | undefined;
before(async () => {
  gh = await startIssuer();
});
after(() => gh.close());
beforeEach(() => {
  gh.requests.length = 0;
  gh.onIntrospect = undefined;
  gh.onToken = undefined;
});
afterEach(() => app?.close());

const paths = () => gh.requests.map((r) => r.path);
const whoami = async (a: TenantApp, headers: Record<string, string> = {}) =>
  (await (await a.fetch('/whoami', { headers })).json()) as Record<string, Record<string, unknown> | null>;

describe('gatehouseRp: redeeming a ticket', () => {
  it('redeems a form-posted ticket, sets the signed httpOnly cookie and 303s to afterRedeem', async () => {
    app = await startTenantApp(gh);
    const res = await postTicket(app, gh.addTicket());
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('gh_imp='));
    assert.match(setCookie ?? '', /httponly/i);
    assert.match(setCookie ?? '', /samesite=lax/i);
    assert.match(setCookie ?? '', /max-age=|expires=/i);
    assert.ok(app.cookies.has('gh_imp.sig'), 'the cookie is signed with app.keys');
    assert.deepEqual(paths(), ['/token']);
    assert.equal(app.events[0]?.type, 'redeemed');
  });

  it('exposes currentUser (the user), trueUser (the admin) and the impersonation', async () => {
    app = await startTenantApp(gh);
    await postTicket(app, gh.addTicket({ impersonation: { sid: 'sid-1', reason: 'ZD-9 <b>' } }));
    const state = await whoami(app, { 'x-user': 'someone-signed-in' });
    assert.deepEqual(state.currentUser, { name: 'Profile of user-42', sub: 'user-42', impersonated: true });
    assert.deepEqual(state.trueUser, { sub: 'admin-7', isAdmin: true });
    const { impersonation } = state;
    assert.equal(impersonation?.sid, 'sid-1');
    assert.equal(impersonation?.reason, 'ZD-9 <b>');
    assert.equal(impersonation?.actor, 'admin-7');
    assert.ok(Date.parse(String(impersonation?.expiresAt)) > Date.now());
    assert.match(String(impersonation?.accessToken), /^ey/);
  });

  it('without an impersonation, currentUser and trueUser are the app user', async () => {
    app = await startTenantApp(gh);
    const state = await whoami(app, { 'x-user': 'u-1' });
    assert.deepEqual(state, {
      currentUser: { sub: 'u-1', name: 'Own u-1' },
      trueUser: { sub: 'u-1', name: 'Own u-1' },
      impersonation: null,
    });
    assert.deepEqual(await whoami(app), { currentUser: null, trueUser: null, impersonation: null });
  });

  it('refuses GET on the redeem path with 405 when ticketDelivery is form_post', async () => {
    app = await startTenantApp(gh);
    const res = await app.fetch(`/impersonate?ticket=${gh.addTicket()}`);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.deepEqual(paths(), [], 'the ticket is never sent to Gatehouse');
    assert.equal(app.cookies.size, 0);
  });

  it('accepts GET ?token= and ?ticket= when ticketDelivery is query', async () => {
    app = await startTenantApp(gh, { ticketDelivery: 'query' });
    for (const name of ['token', 'ticket']) {
      app.cookies.clear();
      const res = await app.fetch(`/impersonate?${name}=${gh.addTicket()}`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.ok(app.cookies.has('gh_imp'));
    }
  });

  it('answers a used ticket with a clear, escaped 400 page and emits rejected', async () => {
    app = await startTenantApp(gh);
    const ticket = gh.addTicket();
    await postTicket(app, ticket);
    app.cookies.clear();
    const res = await postTicket(app, ticket);
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /already been used or has expired/);
    assert.equal(app.cookies.size, 0);
    const rejected = app.events.find((e) => e.type === 'rejected');
    assert.equal(rejected?.type === 'rejected' && rejected.error.code, 'ticket_rejected');

    gh.onToken = () => ({ status: 400, body: { error: '<script>alert(1)</script>' } });
    const page = await (await postTicket(app, 'x')).text();
    assert.ok(!page.includes('<script>'));
    assert.match(page, /&lt;script&gt;/);
  });

  it('refuses bodies that are not small url-encoded forms: 415, 413, 400', async () => {
    app = await startTenantApp(gh);
    const json = await app.fetch('/impersonate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: 'x' }),
    });
    assert.equal(json.status, 415);
    const big = await postTicket(app, 'x'.repeat(9000));
    assert.equal(big.status, 413);
    const empty = await postTicket(app, '');
    assert.equal(empty.status, 400);
    assert.deepEqual(paths(), []);
  });

  it('a second redemption revokes the impersonation it replaces', async () => {
    app = await startTenantApp(gh);
    await postTicket(app, gh.addTicket());
    const first = (await whoami(app)).impersonation?.accessToken;
    await postTicket(app, gh.addTicket());
    assert.ok(gh.revoked.includes(String(first)));
    assert.notEqual((await whoami(app)).impersonation?.accessToken, first);
  });
});

describe('gatehouseRp: guarding and ending', () => {
  it('forbidWhileImpersonating answers 403 (HTML or JSON) only while impersonating', async () => {
    app = await startTenantApp(gh);
    assert.equal((await app.fetch('/danger', { method: 'POST' })).status, 200);
    await postTicket(app, gh.addTicket());
    const html = await app.fetch('/danger', { method: 'POST', headers: { accept: 'text/html' } });
    assert.equal(html.status, 403);
    assert.match(await html.text(), /not available while a support agent is signed in/);
    const json = await app.fetch('/danger', { method: 'POST', headers: { accept: 'application/json' } });
    assert.equal(json.status, 403);
    assert.equal(((await json.json()) as { error: string }).error, 'forbidden_while_impersonating');
  });

  it('stop revokes the token at Gatehouse, clears the cookie and 303s to afterStop', async () => {
    app = await startTenantApp(gh);
    await postTicket(app, gh.addTicket());
    const token = (await whoami(app)).impersonation?.accessToken;
    assert.equal((await app.fetch('/impersonate/stop')).status, 405, 'GET cannot stop (no CSRF by link)');
    const res = await app.fetch('/impersonate/stop', { method: 'POST' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/admin-return');
    const revocation = gh.requests.find((r) => r.path === '/token/revocation');
    assert.equal(revocation?.params.get('token'), token);
    assert.equal(revocation?.params.get('token_type_hint'), 'access_token');
    assert.equal(app.cookies.has('gh_imp'), false);
    assert.deepEqual(await whoami(app, { 'x-user': 'u-1' }), {
      currentUser: { sub: 'u-1', name: 'Own u-1' },
      trueUser: { sub: 'u-1', name: 'Own u-1' },
      impersonation: null,
    });
    const stopped = app.events.find((e) => e.type === 'stopped');
    assert.deepEqual(stopped && { type: stopped.type, revoked: 'revoked' in stopped && stopped.revoked }, {
      type: 'stopped',
      revoked: true,
    });
  });

  it('introspection active:false ends the session within recheckSeconds', async () => {
    app = await startTenantApp(gh, { recheckSeconds: 1 });
    await postTicket(app, gh.addTicket({ impersonation: { sid: 'sid-ended', reason: 'r' } }));
    assert.equal((await whoami(app)).impersonation?.sid, 'sid-ended');
    assert.equal(gh.hits('/token/introspection'), 0, 'freshly redeemed: no introspection yet');
    gh.endedSids.add('sid-ended'); // the admin or the user ended it elsewhere
    await sleep(1100);
    assert.equal((await whoami(app)).impersonation, null);
    assert.equal(app.cookies.has('gh_imp'), false);
    const ended = app.events.find((e) => e.type === 'ended');
    assert.equal(ended?.type === 'ended' && ended.error.code, 'session_ended');
  });

  it('asks introspection at most once per recheckSeconds per session', async () => {
    app = await startTenantApp(gh, { recheckSeconds: 30 });
    await postTicket(app, gh.addTicket());
    const before = gh.hits('/token/introspection');
    await Promise.all([whoami(app), whoami(app), whoami(app)]);
    assert.equal(gh.hits('/token/introspection'), before);
  });

  it('with recheckSeconds 0, every request introspects, and concurrent ones share one call', async () => {
    app = await startTenantApp(gh, { recheckSeconds: 0 });
    await postTicket(app, gh.addTicket());
    const before = gh.hits('/token/introspection');
    await whoami(app);
    await whoami(app);
    assert.equal(gh.hits('/token/introspection'), before + 2);
    gh.onIntrospect = async () => {
      await sleep(200);
      return { status: 200, body: { active: true } };
    };
    const states = await Promise.all([whoami(app), whoami(app), whoami(app)]);
    assert.ok(states.every((s) => s.impersonation !== null));
    assert.equal(gh.hits('/token/introspection'), before + 3);
  });

  it('fails closed: introspection unreachable at recheck ends the impersonation locally', async () => {
    app = await startTenantApp(gh, { recheckSeconds: 0 });
    await postTicket(app, gh.addTicket());
    gh.onIntrospect = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
    assert.equal((await whoami(app)).impersonation, null);
    assert.equal(app.cookies.has('gh_imp'), false);
    const ended = app.events.find((e) => e.type === 'ended');
    assert.equal(ended?.type === 'ended' && ended.error.code, 'issuer_unreachable');
  });

  it('an expired token in the cookie is cleared', async () => {
    app = await startTenantApp(gh, { clockToleranceSeconds: 0 });
    await postTicket(app, gh.addTicket({ exp: Math.floor(Date.now() / 1000) + 1 }));
    assert.ok(app.cookies.has('gh_imp'));
    await sleep(2100);
    assert.equal((await whoami(app)).impersonation, null);
    assert.equal(app.cookies.has('gh_imp'), false);
    const ended = app.events.find((e) => e.type === 'ended');
    assert.equal(ended?.type === 'ended' && ended.error.code, 'token_expired');
  });
});

describe('gatehouseRp: options', () => {
  const base = { issuer: 'http://127.0.0.1:1', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
  it('refuses mistakes at startup with a TypeError', () => {
    assert.throws(() => gatehouseRp({ ...base, origin: 'https://app.acme.com/app' }), TypeError);
    assert.throws(() => gatehouseRp({ ...base, origin: 'https://app.acme.com', clientSecret: '' }), TypeError);
    assert.throws(() => gatehouseRp({ ...base, origin: 'https://app.acme.com', recheckSeconds: -1 }), TypeError);
    assert.throws(
      () => gatehouseRp({ ...base, origin: 'https://app.acme.com', ticketDelivery: 'fragment' as never }),
      TypeError,
    );
    assert.doesNotThrow(() => gatehouseRp({ ...base, origin: 'https://app.acme.com/' }));
  });

  it('forbidWhileImpersonating fails closed when gatehouseRp did not run first', async () => {
    const guard = forbidWhileImpersonating();
    await assert.rejects(guard({ state: {} } as never, async () => {}), /must run after gatehouseRp/);
  });
});
