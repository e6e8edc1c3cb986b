/**
 * PROTOCOL §10.6: an admin sees audit events only of tenants their roles cover, and
 * tenant-less (system) events only with a `*` role. Attacked through the console's HTTP
 * pages on a real Gatehouse and Redis: gina's role covers globex only, and acme's events
 * (emails, ids, reasons, session ids) must never reach her page, whatever she asks for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { givePasskey } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { GLOBEX, mintFields, startExchangeGatehouse, tokenRequest, userId } from '../exchange/setup.js';

const ACME_REASON = 'Ticket #9001: acme secret investigation';

describe('console audit page shows only covered tenants (real HTTP, real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let gina: HttpAgent;
  let alice: HttpAgent;

  const page = async (agent: HttpAgent, path: string) => {
    const res = await agent.fetch(`${gh.issuer}${path}`);
    return { status: res.status, html: await res.text() };
  };
  const tenantsOf = (html: string) => [...html.matchAll(/<tr data-event=[\s\S]*?<\/tr>/g)].map((m) => m[0]);

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({ redisUrl: redis.url });
    const key = new SoftwareAuthenticator();
    await givePasskey(gh, 'admin', 'alice@gatehouse.test', key, 'laptop');
    ({ agent: alice } = await signInConsole(gh.issuer, { email: 'alice@gatehouse.test', password: 'alice-demo-pass' }));
    const actor = (await stepUp(gh.issuer, alice, key)).accessToken;
    // An acme event with a reason, and a globex one (dave needs an access code: denied).
    const acme = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, await userId(gh, 'acme', 'bob@acme.test'), { reason: ACME_REASON }));
    assert.equal(acme.status, 200);
    const globex = await tokenRequest(gh.issuer, 'support-console', mintFields(actor, await userId(gh, 'globex', 'dave@globex.test'), { audience: GLOBEX }));
    assert.equal(globex.status, 400);
    ({ agent: gina } = await signInConsole(gh.issuer, { email: 'gina@gatehouse.test', password: 'gina-demo-pass' }));
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it("an admin covering only globex sees globex's events and none of acme's or the system's", async () => {
    const all = await page(gina, '/admin/audit');
    assert.equal(all.status, 200);
    const rows = tenantsOf(all.html);
    assert.ok(rows.some((r) => r.includes('globex')), 'the globex refusal is listed');
    assert.doesNotMatch(all.html, /acme/i, 'nothing of acme: not its events, not its name in the filter');
    assert.doesNotMatch(all.html, /bob@acme\.test|Ticket #9001/);
    assert.doesNotMatch(all.html, /data-type="admin\.login"/, 'tenant-less events need a * role');
  });

  it('asking for acme by name, by user or by type shows nothing of it', async () => {
    const byTenant = await page(gina, '/admin/audit?tenant=acme');
    assert.equal(byTenant.status, 403);
    assert.doesNotMatch(byTenant.html, /bob@acme\.test|Ticket #9001/);
    const bob = await userId(gh, 'acme', 'bob@acme.test');
    for (const path of [`/admin/audit?user=${bob}`, '/admin/audit?type=impersonation.ticket_issued', '/admin/audit?limit=200']) {
      const res = await page(gina, path);
      assert.doesNotMatch(res.html, /bob@acme\.test|Ticket #9001|acme/i, path);
    }
  });

  it('an admin with a * role sees every tenant and the system events', async () => {
    const all = await page(alice, '/admin/audit?limit=200');
    assert.equal(all.status, 200);
    assert.match(all.html, /Ticket #9001/);
    assert.match(all.html, /data-type="admin\.login"/);
    assert.ok(tenantsOf(all.html).some((r) => r.includes('globex')));
  });
});
