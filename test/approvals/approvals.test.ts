/**
 * Consent mode `approval` and the two-person rule (PROTOCOL §5), over HTTP against a real
 * Gatehouse on a real redis-server: the console files, the customer (or an approver)
 * answers on /account — with a passkey when they have one —, a second admin answers in the
 * console, and the token endpoint mints exactly one ticket per approved request.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { verifyImpersonationToken } from '@gatehouse/rp';
import { after, before, describe, it } from 'node:test';
import { formatSlackText } from '../../src/delivery/index.js';
import { toImpersonationState } from '../../packages/rp/src/core/impersonation.js';
import { keys } from '../../src/store/keys.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { registerPasskey, signInConsole, stepUp } from '../helpers/console.js';
import { followThrough } from '../helpers/console-pages.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { freePort, tenantOrigin } from '../helpers/ports.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ACME, basic, lastEvent, redeemFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';
import {
  ALICE,
  accountSignIn,
  customerAnswer,
  customerApproveWithPasskey,
  fileRequest,
  GINA,
  LENA,
  mint,
  requestState,
  secondAdmin,
} from './setup.js';

const UMBRELLA = tenantOrigin('umbrella');

describe('access requests: consent mode approval and the two-person rule (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let issuer: string;
  let alice: HttpAgent;
  let lena: HttpAgent;
  let gina: HttpAgent;
  const aliceKey = new SoftwareAuthenticator();
  const lenaKey = new SoftwareAuthenticator();
  let charlie: string;
  let willy: string;
  let carol: string;
  /** Fresh actor tokens (acr phr) for each admin, as the console's step-up gets them. */
  const actor = async (agent: HttpAgent, key: SoftwareAuthenticator) => (await stepUp(issuer, agent, key)).accessToken;
  const refusedWith = (res: { status: number; body: Record<string, unknown> }, error: string, description: RegExp) => {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error, error);
    assert.match(String(res.body.error_description), description);
  };
  /** Moves a request's clock: its unanswered expiry, or its approval, into the past. */
  const agePast = async (id: string, what: 'expiresAt' | 'approvedAt') => {
    const { store } = gh.gatehouse.services;
    const key = keys.accessRequest(id);
    const hash = await store.hgetall(key);
    if (what === 'expiresAt') await store.hset(key, { record: JSON.stringify({ ...JSON.parse(hash!.record!), expiresAt: Date.now() - 1000 }) });
    else await store.hset(key, { approvedAt: String(Date.now() - (gh.config.policy.approvalWindow + 5) * 1000) });
  };
  const introspect = async (token: string) =>
    (await (await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basic('acme-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    })).json()) as Record<string, any>;

  // A Slack-format webhook with the default events: the request must reach it.
  const slack: string[] = [];
  let receiver: Server;

  before(async () => {
    const hookPort = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        slack.push(body);
        res.writeHead(200).end('ok');
      });
    }).listen(hookPort, '127.0.0.1');
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.webhooks = [{ url: `http://127.0.0.1:${hookPort}/slack`, format: 'slack' }];
        // The two-person rule for every user of a tenant, not only sensitive ones.
        raw.tenants.push({ id: 'umbrella', name: 'Umbrella', domains: [UMBRELLA], requireSecondAdmin: true });
        raw.seed.users.push({ tenant: 'umbrella', email: 'uma@umbrella.test', name: 'Uma Umbrella', password: 'uma-demo-pass' });
      },
    });
    issuer = gh.issuer;
    ({ agent: alice } = await signInConsole(issuer, ALICE));
    ({ agent: lena } = await signInConsole(issuer, LENA));
    ({ agent: gina } = await signInConsole(issuer, GINA));
    await enrollAdmin(gh, ALICE, aliceKey, 'alice key');
    await enrollAdmin(gh, LENA, lenaKey, 'lena key');
    charlie = await userId(gh, 'wonka', 'charlie@wonka.test');
    willy = await userId(gh, 'wonka', 'willy@wonka.test');
    carol = await userId(gh, 'acme', 'carol@acme.test');
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
    receiver?.close();
  });

  it('approve → exactly one mint; the steps are audited and the request is announced with Slack text', async () => {
    const token = await actor(alice, aliceKey);
    refusedWith(await mint(issuer, token, charlie), 'invalid_request', /needs an approved access request/);

    const filed = await fileRequest(issuer, alice, charlie);
    assert.equal(filed.status, 303, filed.html);
    const id = filed.id!;
    const requested = await lastEvent(gh, 'support_access.requested');
    assert.equal(requested?.tenant, 'wonka');
    assert.equal(requested?.details?.accessRequest, id);
    assert.match(formatSlackText(requested!), /Support access requested — admin alice@gatehouse\.test asks to act as charlie@wonka\.test on wonka/);
    assert.ok(gh.config.webhooks[0]!.events.includes('support_access.requested'), 'announced by default');
    // Delivered through the durable queue to the Slack webhook, as Slack-ready text.
    for (let i = 0; !slack.some((body) => body.includes('Support access requested')); i++) {
      assert.ok(i < 200, `no support_access.requested delivery; got ${JSON.stringify(slack)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const delivered = JSON.parse(slack.find((body) => body.includes('Support access requested'))!) as { text: string };
    assert.match(delivered.text, /Support access requested — admin alice@gatehouse\.test asks to act as charlie@wonka\.test on wonka/);
    assert.equal((await fileRequest(issuer, alice, charlie)).status, 409, 'one open request per admin and user');

    assert.equal((await requestState(issuer, alice, id)).body.state, 'pending');
    refusedWith(await mint(issuer, token, charlie), 'invalid_request', /needs an approved access request/);

    const user = await accountSignIn(issuer, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass');
    const home = await (await user.fetch(`${issuer}/account`)).text();
    assert.match(home, new RegExp(`data-request="${id}" data-state="pending"`));
    assert.equal((await customerAnswer(issuer, user, id, 'approve')).status, 303);
    assert.equal((await requestState(issuer, alice, id)).body.state, 'approved');
    assert.equal((await lastEvent(gh, 'support_access.approved'))?.details?.by, 'user');

    const first = await mint(issuer, token, charlie);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal((await lastEvent(gh, 'support_access.used'))?.details?.accessRequest, id);
    assert.equal((await lastEvent(gh, 'impersonation.ticket_issued'))?.details?.accessRequest, id, 'the ticket names the request it used');
    refusedWith(await mint(issuer, token, charlie), 'invalid_request', /needs an approved access request/);
    assert.equal((await requestState(issuer, alice, id)).body.state, 'used');
    assert.equal((await customerAnswer(issuer, user, id, 'deny')).status, 409, 'a used request cannot be decided again');
  });

  it('deny refuses the mint', async () => {
    const token = await actor(alice, aliceKey);
    const { id } = await fileRequest(issuer, alice, charlie);
    const user = await accountSignIn(issuer, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass');
    assert.equal((await customerAnswer(issuer, user, id!, 'deny')).status, 303);
    assert.equal((await lastEvent(gh, 'support_access.denied'))?.details?.accessRequest, id);
    refusedWith(await mint(issuer, token, charlie), 'invalid_request', /needs an approved access request/);
    assert.equal((await customerAnswer(issuer, user, id!, 'approve')).status, 409, 'a denial is final');
    refusedWith(await mint(issuer, token, charlie), 'invalid_request', /needs an approved access request/);
  });

  it('an unanswered request expires after approvalTtl, and an approval unused after approvalWindow: both refuse', async () => {
    const token = await actor(alice, aliceKey);
    const user = await accountSignIn(issuer, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass');
    const unanswered = (await fileRequest(issuer, alice, charlie)).id!;
    await agePast(unanswered, 'expiresAt');
    assert.equal((await customerAnswer(issuer, user, unanswered, 'approve')).status, 409, 'too late to approve');
    refusedWith(await mint(issuer, token, charlie), 'invalid_request', /needs an approved access request/);
    assert.equal((await requestState(issuer, alice, unanswered)).body.state, 'expired');
    const expired = await lastEvent(gh, 'support_access.expired');
    assert.equal(expired?.details?.accessRequest, unanswered);
    assert.equal(expired?.details?.phase, 'unanswered');

    const late = (await fileRequest(issuer, alice, charlie)).id!;
    assert.equal((await customerAnswer(issuer, user, late, 'approve')).status, 303);
    await agePast(late, 'approvedAt');
    refusedWith(await mint(issuer, token, charlie), 'invalid_request', /needs an approved access request/);
    assert.equal((await lastEvent(gh, 'support_access.expired'))?.details?.phase, 'approved_unused');
  });

  it("a request filed by another admin refuses the mint; the filer's own still works", async () => {
    const { id } = await fileRequest(issuer, alice, charlie);
    const user = await accountSignIn(issuer, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass');
    assert.equal((await customerAnswer(issuer, user, id!, 'approve')).status, 303);
    refusedWith(await mint(issuer, await actor(lena, lenaKey), charlie), 'invalid_request', /needs an approved access request/);
    assert.equal((await mint(issuer, await actor(alice, aliceKey), charlie)).status, 200);
  });

  it('the approval bounds the ticket: no longer and no wider than approved', async () => {
    const { id } = await fileRequest(issuer, alice, charlie, { duration: '600', scope: 'openid profile' });
    const user = await accountSignIn(issuer, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass');
    assert.equal((await customerAnswer(issuer, user, id!, 'approve')).status, 303);
    const token = await actor(alice, aliceKey);
    refusedWith(await mint(issuer, token, charlie, undefined, { duration: '1200' }), 'invalid_request', /beyond the approved/);
    refusedWith(await mint(issuer, token, charlie, undefined, { scope: 'openid email' }), 'invalid_request', /beyond the approved/);
    const ok = await mint(issuer, token, charlie);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const redeemed = await tokenRequest(issuer, 'wonka-app', redeemFields(ok.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.equal(redeemed.body.scope, 'openid profile');
    assert.ok(redeemed.body.expires_in <= 600);
  });

  it("a user of another tenant can't approve; the tenant's approver can; a passkey holder approves only with the passkey", async () => {
    const { id } = await fileRequest(issuer, alice, charlie);
    const bob = await accountSignIn(issuer, 'acme', 'bob@acme.test', 'bob-demo-pass');
    assert.equal((await customerAnswer(issuer, bob, id!, 'approve')).status, 404);
    assert.doesNotMatch(await (await bob.fetch(`${issuer}/account`)).text(), new RegExp(id!), 'not shown to other tenants');
    // Emails are per tenant: an acme user who shares the wonka approver's email is not her.
    await gh.gatehouse.services.accounts.users.create({ tenant: 'acme', email: 'violet@wonka.test', name: 'Violet at Acme', password: 'violet-acme-pass' });
    const lookalike = await accountSignIn(issuer, 'acme', 'violet@wonka.test', 'violet-acme-pass');
    assert.equal((await customerAnswer(issuer, lookalike, id!, 'approve')).status, 404);
    assert.doesNotMatch(await (await lookalike.fetch(`${issuer}/account`)).text(), new RegExp(id!));
    const violet = await accountSignIn(issuer, 'wonka', 'violet@wonka.test', 'violet-demo-pass');
    assert.match(await (await violet.fetch(`${issuer}/account`)).text(), new RegExp(`data-request="${id}"`), 'the approver sees it');

    // Violet registers a passkey (her first: a password session may add it), then must use it.
    const violetKey = new SoftwareAuthenticator();
    await registerPasskey(violet, issuer, violetKey, 'violet key', '/account/passkeys');
    const refused = await customerAnswer(issuer, violet, id!, 'approve');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /approve with it/);
    const approved = await customerApproveWithPasskey(issuer, violet, id!, violetKey);
    assert.equal(approved.status, 200, approved.body);
    const event = await lastEvent(gh, 'support_access.approved');
    assert.equal(event?.details?.by, 'approver');
    assert.equal(event?.details?.with, 'passkey');
    assert.equal((await mint(issuer, await actor(alice, aliceKey), charlie)).status, 200);
  });

  it('two-person rule: never the filer, never an admin without coverage; the token and introspection name both admins', async () => {
    const token = await actor(lena, lenaKey);
    refusedWith(await mint(issuer, token, carol, ACME), 'invalid_request', /two-person rule/);
    const filed = await fileRequest(issuer, lena, carol);
    assert.equal(filed.status, 303, filed.html);
    const id = filed.id!;
    assert.deepEqual((await requestState(issuer, lena, id)).body.waitingFor, ['a second admin']);

    // The filer, freshly stepped up, approving their own request.
    await followThrough(lena, `${issuer}/admin/stepup`, lenaKey);
    assert.deepEqual(await secondAdmin(issuer, lena, id), { status: 403, location: null, code: 'self_approval' });
    // An admin whose roles do not cover acme.
    assert.equal((await secondAdmin(issuer, gina, id)).code, 'approver_not_covering');
    assert.equal((await requestState(issuer, gina, id)).status, 404, 'nor may they watch it');
    // Alice covers acme but must step up first: her Approve waits for it, and is done after it.
    const stale = await secondAdmin(issuer, alice, id);
    assert.equal(stale.status, 303);
    assert.equal(stale.location, '/admin/stepup');
    refusedWith(await mint(issuer, token, carol, ACME), 'invalid_request', /two-person rule/);

    const back = await followThrough(alice, `${issuer}/admin/stepup`, aliceKey);
    assert.equal(back.url.pathname, `/admin/access-requests/${id}`);
    assert.match(back.html, /data-state="approved"/);
    assert.equal((await lastEvent(gh, 'support_access.approved'))?.details?.by, 'second_admin');
    const aliceId = (await gh.gatehouse.services.accounts.admins.findByEmail(ALICE.email))!.id;
    const lenaId = (await gh.gatehouse.services.accounts.admins.findByEmail(LENA.email))!.id;

    const minted = await mint(issuer, token, carol, ACME);
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const redeemed = await tokenRequest(issuer, 'acme-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const claims = JSON.parse(Buffer.from(redeemed.body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.act.sub, lenaId);
    assert.equal(claims.impersonation.approved_by, aliceId);
    const introspected = await introspect(redeemed.body.access_token);
    assert.equal(introspected.act.sub, lenaId);
    assert.equal(introspected.impersonation.approved_by, aliceId);
    // The RP kit hands both to the tenant app.
    const kitClaims = await verifyImpersonationToken(redeemed.body.access_token, { issuer, audience: ACME });
    assert.equal(kitClaims.act.sub, lenaId);
    assert.equal(kitClaims.impersonation.approved_by, aliceId);
    assert.equal(toImpersonationState(kitClaims, redeemed.body.access_token).approvedBy, aliceId);
    refusedWith(await mint(issuer, token, carol, ACME), 'invalid_request', /two-person rule/);
  });

  it("a second admin's Deny refuses the mint for good; the filer may file anew", async () => {
    const uma = await userId(gh, 'umbrella', 'uma@umbrella.test');
    const token = await actor(lena, lenaKey);
    const { id } = await fileRequest(issuer, lena, uma);
    await followThrough(alice, `${issuer}/admin/stepup`, aliceKey);
    assert.equal((await secondAdmin(issuer, alice, id!, 'deny')).status, 303);
    assert.equal((await requestState(issuer, lena, id!)).body.state, 'denied');
    assert.equal((await lastEvent(gh, 'support_access.denied'))?.details?.accessRequest, id);
    refusedWith(await mint(issuer, token, uma, UMBRELLA), 'invalid_request', /two-person rule/);
    assert.notEqual((await secondAdmin(issuer, alice, id!, 'approve')).status, 303, 'a denial is final');
    assert.equal((await requestState(issuer, lena, id!)).body.state, 'denied');
    refusedWith(await mint(issuer, token, uma, UMBRELLA), 'invalid_request', /two-person rule/);
    const again = await fileRequest(issuer, lena, uma);
    assert.equal(again.status, 303, again.html);
    assert.notEqual(again.id, id);
  });

  it('requireSecondAdmin puts every user of the tenant under the two-person rule', async () => {
    const uma = await userId(gh, 'umbrella', 'uma@umbrella.test');
    const token = await actor(alice, aliceKey);
    refusedWith(await mint(issuer, token, uma, UMBRELLA), 'invalid_request', /two-person rule/);
    const { id } = await fileRequest(issuer, alice, uma);
    assert.deepEqual((await requestState(issuer, alice, id!)).body.waitingFor, ['a second admin']);
    await followThrough(lena, `${issuer}/admin/stepup`, lenaKey);
    assert.equal((await secondAdmin(issuer, lena, id!)).status, 303);
    const minted = await mint(issuer, token, uma, UMBRELLA);
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
  });

  it('a sensitive user of an approval tenant needs both the customer and a second admin', async () => {
    const token = await actor(lena, lenaKey);
    const { id } = await fileRequest(issuer, lena, willy);
    const user = await accountSignIn(issuer, 'wonka', 'willy@wonka.test', 'willy-demo-pass');
    assert.equal((await customerAnswer(issuer, user, id!, 'approve')).status, 303);
    assert.deepEqual((await requestState(issuer, lena, id!)).body, { id, state: 'pending', text: 'Waiting for approval', waitingFor: ['a second admin'] });
    refusedWith(await mint(issuer, token, willy), 'invalid_request', /needs an approved access request/);
    await followThrough(alice, `${issuer}/admin/stepup`, aliceKey);
    assert.equal((await secondAdmin(issuer, alice, id!)).status, 303);
    assert.equal((await requestState(issuer, lena, id!)).body.state, 'approved');
    assert.equal((await mint(issuer, token, willy)).status, 200);
  });

  it("the console's request page polls a JSON state endpoint through a static script (no inline script)", async () => {
    const { id } = await fileRequest(issuer, alice, charlie);
    const page = await (await alice.fetch(`${issuer}/admin/access-requests/${id}`)).text();
    assert.match(page, new RegExp(`data-state-url="/admin/access-requests/${id}/state"`));
    assert.match(page, /<script src="\/static\/access-request\.js"><\/script>/);
    assert.doesNotMatch(page, /<script>(?!<\/script>)/);
    const script = await fetch(`${issuer}/static/access-request.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.match(await script.text(), /location\.reload/);
    const list = await (await alice.fetch(`${issuer}/admin/access-requests`)).text();
    assert.match(list, new RegExp(`data-request="${id}" data-state="pending"`));
  });
});
