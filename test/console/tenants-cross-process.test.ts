/**
 * A protection downgrade made in the console is enforced by the other instance (PROTOCOL
 * §11): two real `src/server.ts` processes of one deployment on one real redis-server.
 * Wonka needs an approved access request for every impersonation; an admin with
 * `manageTenants` moves it to consent `none` on instance A's console, after a passkey
 * step-up; a mint on instance B then goes through without one. B is polled until it
 * follows (no timing is asserted; the management API's cross-process suite and bench/
 * cover the propagation itself).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../audit/helpers.js';
import { ALICE, WONKA } from '../approvals/setup.js';
import { configureExchange, mintFields, tokenRequest } from '../exchange/setup.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { followThrough, formData, submit } from '../helpers/console-pages.js';
import { enrollAdminWithCli } from '../helpers/enroll.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnPair } from '../helpers/gatehouse-process.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

describe('a downgrade made in the console is enforced by another instance (two processes, real Redis)', () => {
  let redis: RedisServer;
  let a: GatehouseProcess;
  let b: GatehouseProcess;
  let agent: HttpAgent;
  let actor: string;
  let charlie: string;
  const key = new SoftwareAuthenticator();

  before(async () => {
    redis = await startRedisServer();
    const raw = baseConfig();
    configureExchange(raw);
    raw.roles.push({ name: 'tenant-admin', manageTenants: true });
    raw.seed.admins.find((x: { email: string }) => x.email === ALICE.email).roles.push('tenant-admin');
    raw.storePrefix = `consoletenancy${process.pid}`;
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
    const pair = await spawnPair(raw, env);
    ({ one: a, two: b } = pair);
    ({ agent } = await signInConsole(a.issuer, ALICE));
    await enrollAdminWithCli({ REDIS_URL: redis.url, GATEHOUSE_CONFIG: pair.configPath, GATEHOUSE_ISSUER: pair.issuer }, ALICE, key);
    actor = (await stepUp(a.issuer, agent, key)).accessToken;
    const users = await (await agent.fetch(`${a.issuer}/admin/users?tenant=wonka&q=charlie`)).text();
    charlie = /data-user="([^"]+)"/.exec(users)?.[1] ?? '';
    assert.ok(charlie, 'charlie is listed');
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it("wonka's consent moved from approval to none on A's console: a mint on B needs no approved request", async (t) => {
    const onB = () => tokenRequest(`http://127.0.0.1:${b.port}`, 'support-console', mintFields(actor, charlie, { audience: WONKA }));
    const refused = await onB();
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(refused.body.error_description, /approved access request/);

    // In the console on A: the policy form, through a fresh passkey step-up.
    const page = await followThrough(agent, `${a.issuer}/admin/tenants/wonka`, key);
    const form = formData(page.html, 'id="policy-form"').set('consent', 'none');
    const saved = await submit(agent, new URL(form.action, a.issuer).href, form.fields, key);
    assert.equal(`${saved.url.pathname}${saved.url.search}`, '/admin/tenants/wonka?done=saved', saved.html);

    const at = Date.now();
    const minted = await waitFor('B to mint without an approved request', async () => {
      const res = await onB();
      return res.status === 200 ? res.body : null;
    });
    t.diagnostic(`B followed after ${Date.now() - at} ms`);
    assert.equal(minted.issued_token_type, 'urn:gatehouse:token-type:impersonation-ticket');
  });
});
