/**
 * A mint's actor token is read ahead (exchange/actor.ts) before its type is checked: with
 * the store away those reads fail, and a refusal before the reads are looked at must not
 * leave them unhandled (Node exits on an unhandled rejection). Gatehouse runs in its own
 * process here, so an exit is seen as one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { baseConfig, testKeys } from '../helpers/gatehouse.js';
import { type GatehouseProcess, spawnGatehouse, writeConfig } from '../helpers/gatehouse-process.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { discover, login } from '../helpers/oidc-flow.js';
import { SECRETS, T, tokenRequest } from './setup.js';

describe('an opaque actor token refused for its type while the store is down (own process)', () => {
  let redis: RedisServer;
  let gh: GatehouseProcess;
  let base: string;
  /** A live admin token whose check was seen before: its next mint reads ahead the keys that check read, and the admin. */
  let seen: string;
  const mint = (actorToken: string, extra: Record<string, string>) =>
    tokenRequest(base, 'support-console', { grant_type: T.exchange, actor_token: actorToken, subject_token: 'usr_someone', subject_token_type: T.userId, ...extra });

  before(async () => {
    redis = await startRedisServer();
    gh = await spawnGatehouse({ configPath: writeConfig(baseConfig()), env: { REDIS_URL: redis.url, GATEHOUSE_KEYS: await testKeys() } });
    base = `http://127.0.0.1:${gh.port}`;
    const rp = await discover(gh.issuer, 'support-console', SECRETS['support-console']);
    const { tokens } = await login(rp, { redirectUri: `${gh.issuer}/admin/callback`, email: 'alice@gatehouse.test', password: 'alice-demo-pass' });
    seen = tokens.access_token;
    // A password-only token: checked (and remembered) up to its missing step-up.
    const first = await mint(seen, { actor_token_type: T.accessToken });
    assert.equal(first.status, 400, JSON.stringify(first.body));
    assert.match(first.body.error_description, /passkey/, 'the check read the token and its admin');
    await redis.stop();
  });
  after(async () => {
    await gh?.kill();
    await redis?.stop();
  });

  const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
  const cases: [string, () => string, Record<string, string>][] = [
    ['an unknown token, no actor_token_type', () => randomBytes(32).toString('base64url'), {}],
    ['an unknown token, an unsupported actor_token_type', () => randomBytes(32).toString('base64url'), { actor_token_type: ID_TOKEN }],
    ['a token checked before, no actor_token_type', () => seen, {}],
    ['a token checked before, an unsupported actor_token_type', () => seen, { actor_token_type: ID_TOKEN }],
  ];
  for (const [name, token, extra] of cases) {
    it(`${name}: an answer that is not a 500, and the process keeps answering`, { timeout: 30_000 }, async () => {
      const res = await mint(token(), extra);
      assert.notEqual(res.status, 500, JSON.stringify(res.body));
      // An unhandled rejection ends the process on the next ticks.
      await sleep(500);
      const health = await fetch(`${base}/healthz`).catch((err: Error) => ({ ok: false, status: err.message }));
      assert.equal(health.status, 200, `the process died:\n${gh.output().slice(-3000)}`);
    });
  }
});
