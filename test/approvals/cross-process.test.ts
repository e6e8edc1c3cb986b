/**
 * One approval, one ticket — across instances (PROTOCOL §5, §10.8): two real `src/server.ts`
 * processes on one real redis-server. The admin files in the console of one, the customer
 * approves on /account of the other, then concurrent mints split between both: exactly one
 * succeeds, every other is refused as having no approved request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { runCli } from '../helpers/cli.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { useLink } from '../helpers/enroll.js';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnPair } from '../helpers/gatehouse-process.js';
import type { HttpAgent } from '../helpers/http-agent.js';
import { tenantOrigin } from '../helpers/ports.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';
import { ALICE, accountSignIn, customerAnswer, fileRequest, REASON, WONKA } from './setup.js';

const N = 20;
const ROUNDS = 3;

describe('one approved access request mints one ticket across two Gatehouse processes (real Redis)', () => {
  let redis: RedisServer;
  let one: GatehouseProcess;
  let two: GatehouseProcess;
  let alice: HttpAgent;
  let charlie: string;
  const key = new SoftwareAuthenticator();

  const userOf = async (tenant: string, q: string) => {
    const users = await (await alice.fetch(`${one.issuer}/admin/users?tenant=${tenant}&q=${encodeURIComponent(q)}`)).text();
    const id = /data-user="([^"]+)"/.exec(users)?.[1] ?? '';
    assert.ok(id, `${q} is listed`);
    return id;
  };

  before(async () => {
    redis = await startRedisServer();
    const raw = baseConfig();
    raw.storePrefix = `approvals${process.pid}`;
    raw.policy.rateLimits = { ticketsPerAdmin: { points: 10_000, duration: 900 } };
    const env = { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys(), GATEHOUSE_DEMO_APP: 'off' };
    const pair = await spawnPair(raw, env);
    ({ one, two } = pair);
    const { issuer, configPath } = pair;
    ({ agent: alice } = await signInConsole(one.issuer, ALICE));
    const link = await runCli(['admin', 'enroll-link', ALICE.email], { REDIS_URL: redis.url, GATEHOUSE_CONFIG: configPath, GATEHOUSE_ISSUER: issuer });
    assert.equal((await useLink(link.stdout.trim(), ALICE.password, key)).status, 200, link.stderr);
    charlie = await userOf('wonka', 'charlie');
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  it('the reason is the approved reason: a different one is refused on either process, a left-out one is taken from the request (issue 16)', async () => {
    const actor = (await stepUp(one.issuer, alice, key)).accessToken;
    const user = await accountSignIn(`http://127.0.0.1:${two.port}`, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass');
    const approved = 'Ticket 99 security review';
    const filed = await fileRequest(one.issuer, alice, charlie, { reason: approved });
    assert.equal(filed.status, 303, filed.html);
    assert.equal((await customerAnswer(`http://127.0.0.1:${two.port}`, user, filed.id!, 'approve')).status, 303);
    const mintOn = (instance: GatehouseProcess, fields: Record<string, string>) => {
      const { reason: _, ...rest } = mintFields(actor, charlie, { audience: WONKA }) as Record<string, string>;
      return tokenRequest(`http://127.0.0.1:${instance.port}`, 'support-console', { ...rest, ...fields });
    };
    for (const [instance, reason] of [[two, 'Ticket #1 security review'], [one, 'ticket 99 security review'], [two, `${approved}.`]] as const) {
      const refused = await mintOn(instance, { reason });
      assert.equal(refused.status, 400, `${reason}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.error, 'invalid_request');
      assert.match(refused.body.error_description, /reason, duration or scope asked for goes beyond the approved access request/);
    }
    // Left out: the approved reason is the ticket's, the token's and the session's.
    const minted = await mintOn(one, {});
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const redeemed = await tokenRequest(`http://127.0.0.1:${two.port}`, 'wonka-app', redeemFields(minted.body.access_token));
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const claims = JSON.parse(Buffer.from(redeemed.body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.impersonation.reason, approved);

    // The same reason, as the free-text rule normalises it (trimmed), is the approved one.
    const again = await fileRequest(one.issuer, alice, charlie, { reason: approved });
    assert.equal((await customerAnswer(`http://127.0.0.1:${two.port}`, user, again.id!, 'approve')).status, 303);
    assert.equal((await mintOn(two, { reason: `  ${approved} ` })).status, 200);
    // Outside an access request the reason stays required.
    const acme = await mintOn(two, { subject_token: await userOf('acme', 'bob@acme.test'), audience: tenantOrigin('acme') });
    assert.equal(acme.status, 400);
    assert.match(acme.body.error_description, /reason must be 3 to 500 characters/);
  });

  it(`${N} concurrent mints on one approval, split over two processes: exactly one ticket (${ROUNDS} rounds)`, async () => {
    const actor = (await stepUp(one.issuer, alice, key)).accessToken;
    const user = await accountSignIn(`http://127.0.0.1:${two.port}`, 'wonka', 'charlie@wonka.test', 'charlie-demo-pass');
    for (let round = 0; round < ROUNDS; round++) {
      const filed = await fileRequest(one.issuer, alice, charlie);
      assert.equal(filed.status, 303, filed.html);
      assert.equal((await customerAnswer(`http://127.0.0.1:${two.port}`, user, filed.id!, 'approve')).status, 303);
      const results = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const instance = i % 2 ? two : one;
          const res = await fetch(`http://127.0.0.1:${instance.port}/token`, {
            method: 'POST',
            headers: { authorization: `Basic ${Buffer.from('support-console:dev-console-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(mintFields(actor, charlie, { audience: WONKA, reason: REASON }) as Record<string, string>),
          });
          return { status: res.status, body: (await res.json()) as { error?: string; error_description?: string } };
        }),
      );
      const issued = results.filter((r) => r.status === 200);
      assert.equal(issued.length, 1, `round ${round}: ${issued.length} tickets from one approval`);
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 400);
        assert.match(r.body.error_description ?? '', /needs an approved access request/);
      }
    }
  });
});
