/**
 * The /account sign-in learns the tenant from the organisation the user types (its name,
 * id, or the address of its app) or from a link carrying the app's host, never from a
 * public list (issue 8 row 11): the page names no tenant, and a wrong organisation is
 * answered exactly like a wrong password, at the same cost (one argon2 verification).
 * Over HTTP against a real Gatehouse on a real redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordVerifications } from '../../src/accounts/index.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { formFields, HttpAgent } from '../helpers/http-agent.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startExchangeGatehouse } from '../exchange/setup.js';
import { TENANT_PORT, tenantOrigin } from '../helpers/ports.js';

describe('/account sign-in without a tenant list (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;

  async function signIn(organisation: string, email: string, password: string) {
    const agent = new HttpAgent();
    const page = await (await agent.fetch(`${gh.issuer}/account`)).text();
    const before = passwordVerifications();
    const res = await agent.postForm(`${gh.issuer}/account/login`, { csrf: formFields(page).csrf ?? '', tenant: organisation, email, password });
    const verified = passwordVerifications() - before;
    const html = res.status === 303 ? '' : await res.text();
    return { status: res.status, error: /<p class="error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1], verified, html };
  }

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({ redisUrl: redis.url });
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('the sign-in page names no tenant', async () => {
    const html = await (await fetch(`${gh.issuer}/account`)).text();
    for (const t of gh.config.declared.tenants) {
      assert.doesNotMatch(html, new RegExp(t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `${t.id}'s name is not listed`);
      assert.doesNotMatch(html, new RegExp(`value="${t.id}"`), `${t.id}'s id is not listed`);
    }
    assert.doesNotMatch(html, /<select name="tenant"/);
    assert.match(html, /<input type="text" name="tenant"[^>]*required/);
  });

  it('the organisation may be typed as its name, its id, or its app\'s address', async () => {
    for (const typed of ['Globex', '  globex ', `globex.localhost:${TENANT_PORT}`, tenantOrigin('globex'), `${tenantOrigin('globex')}/`]) {
      const res = await signIn(typed, 'dave@globex.test', 'dave-demo-pass');
      assert.equal(res.status, 303, `"${typed}": ${res.error}`);
    }
  });

  it('a wrong organisation is answered exactly like a wrong password, at the same cost', async () => {
    const wrongPassword = await signIn('Globex', 'dave@globex.test', 'not-daves-password');
    const wrongOrganisation = await signIn('Globexx', 'dave@globex.test', 'dave-demo-pass');
    const otherOrganisation = await signIn('Acme Corp', 'dave@globex.test', 'dave-demo-pass');
    for (const res of [wrongPassword, wrongOrganisation, otherOrganisation]) {
      assert.equal(res.status, 401);
      assert.equal(res.error, 'Organisation, email or password is incorrect.');
      assert.equal(res.verified, 1, 'one argon2 verification, whether or not the organisation exists');
    }
    assert.match(wrongOrganisation.html, /name="tenant"[^>]*value="Globexx"/, 'the typed organisation is kept, as typed');
    assert.match(otherOrganisation.html, /name="tenant"[^>]*value="Acme Corp"/);
  });

  it('a link from the tenant\'s app carries its host and fills the organisation in', async () => {
    const html = await (await fetch(`${gh.issuer}/account?organisation=${encodeURIComponent(`acme.localhost:${TENANT_PORT}`)}`)).text();
    assert.match(html, new RegExp(`name="tenant"[^>]*value="acme\\.localhost:${TENANT_PORT}"`));
    assert.doesNotMatch(html, /Acme Corp/, 'nothing says whether it is a real organisation');
  });
});
