/**
 * The web-standard Request/Response shape (`@gatehouse/rp/fetch`) against the stand-in issuer:
 * its refusals, its own signed cookie, `renderPage`, `wrap` adding the cookie headers, and the
 * mistakes it refuses at startup.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatehouseRp } from '../src/fetch/index.js';
import { CLIENT_ID, CLIENT_SECRET, type IssuerFixture, startIssuer } from './issuer-fixture.js';

const ORIGIN = 'https://app.acme.example';

describe('@gatehouse/rp/fetch', () => {
  let gh: IssuerFixture;
  before(async () => {
    gh = await startIssuer();
    gh.audience = ORIGIN;
  });
  after(() => gh.close());

  const kit = (extra: Record<string, unknown> = {}) =>
    gatehouseRp({ issuer: gh.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, origin: ORIGIN, cookieKeys: ['k1-0123456789abcdef'], ...extra });
  const post = (body: BodyInit, type = 'application/x-www-form-urlencoded', headers: Record<string, string> = {}) =>
    new Request(`${ORIGIN}/impersonate`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });

  it('refuses a GET (405, Allow: POST), another content type (415) and a large form (413)', async () => {
    const rp = kit();
    const get = (await rp.handle(new Request(`${ORIGIN}/impersonate?ticket=abc`))).response!;
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await rp.handle(post('{"ticket":"x"}', 'application/json'))).response?.status, 415);
    const large = (await rp.handle(post(`ticket=${'a'.repeat(9000)}`))).response!;
    assert.equal(large.status, 413);
    assert.equal(large.headers.get('cache-control'), 'no-store');
  });

  it('redeems into a signed, Secure (https origin) cookie and reads it back, with actorDisplay', async () => {
    const rp = kit();
    const ticket = gh.addTicket({ impersonation: { sid: 'sid-f1', reason: 'ZD-1', actor_display: 'Alice Admin (support)' } });
    const redeemed = (await rp.handle(post(new URLSearchParams({ ticket }).toString()))).response!;
    assert.equal(redeemed.status, 303);
    const cookie = redeemed.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^gh_imp=[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=\d+$/);
    const result = await rp.handle(new Request(`${ORIGIN}/`, { headers: { cookie: cookie.split(';')[0]! } }));
    assert.equal(result.state?.impersonation?.actorDisplay, 'Alice Admin (support)');
    assert.equal(result.state?.impersonation?.sid, 'sid-f1');
    // Another key cannot read it: the signature is over the cookie's name and token.
    const stranger = await gatehouseRp({ issuer: gh.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, origin: ORIGIN, cookieKeys: ['other-key'] }).handle(
      new Request(`${ORIGIN}/`, { headers: { cookie: cookie.split(';')[0]! } }),
    );
    assert.equal(stranger.state?.impersonation, null);
  });

  it('renderPage dresses the refusal; the code is a detail, not the message', async () => {
    const pages: unknown[] = [];
    const rp = kit({
      renderPage: (page: { title: string }) => {
        pages.push(page);
        return `<!doctype html><title>${page.title}</title><p>styled</p>`;
      },
    });
    const res = (await rp.handle(post('ticket=never-issued'))).response!;
    assert.equal(res.status, 400);
    assert.equal(await res.text(), '<!doctype html><title>Support link not accepted</title><p>styled</p>');
    assert.deepEqual(pages, [
      {
        status: 400,
        title: 'Support link not accepted',
        paragraphs: ['This support link has already been used or has expired.', 'Start the impersonation again from the support console.'],
        code: 'invalid_request',
      },
    ]);
  });

  it('wrap: serves other requests with the state and clears the cookie of an ended session', async () => {
    const rp = kit();
    const ticket = gh.addTicket({ impersonation: { sid: 'sid-f2', reason: 'ZD-2' } });
    const cookie = ((await rp.handle(post(`ticket=${ticket}`))).response!.headers.getSetCookie()[0] ?? '').split(';')[0]!;
    const app = rp.wrap((_request, state) => Response.json({ sid: state.impersonation?.sid ?? null }));
    assert.deepEqual(await (await app(new Request(`${ORIGIN}/x`, { headers: { cookie } }))).json(), { sid: 'sid-f2' });
    gh.endedSids.add('sid-f2');
    const fresh = gatehouseRp({ issuer: gh.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, origin: ORIGIN, cookieKeys: ['k1-0123456789abcdef'], recheckSeconds: 0 });
    const ended = await fresh.wrap((_request, state) => Response.json({ sid: state.impersonation?.sid ?? null }))(
      new Request(`${ORIGIN}/x`, { headers: { cookie } }),
    );
    assert.deepEqual(await ended.json(), { sid: null });
    assert.match(ended.headers.getSetCookie()[0] ?? '', /^gh_imp=; .*Max-Age=0/);
  });

  it('refuses missing cookieKeys at startup', () => {
    assert.throws(() => kit({ cookieKeys: [] }), TypeError);
    assert.throws(() => kit({ cookieKeys: undefined }), /cookieKeys/);
  });
});
