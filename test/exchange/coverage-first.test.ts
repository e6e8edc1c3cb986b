/**
 * PROTOCOL §4 (issue 8 row 6): the admin's coverage of the tenant is decided before
 * anything that depends on the user's existence, consent state or access code. An admin
 * whose roles do not cover a tenant gets one identical refusal whoever the subject is;
 * a user of a tenant the admin does not cover looks exactly like a user who does not exist.
 * Over HTTP against a real Gatehouse on a real redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAccessCode, setConsent } from '../../src/impersonation/access-codes.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { enrollAdmin } from '../helpers/enroll.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { GLOBEX, INITECH, lastEvent, mintFields, startExchangeGatehouse, T, tokenRequest, userId } from './setup.js';

describe('mint decides coverage before anything about the user (real Redis)', () => {
  let redis: RedisServer;
  let gh: TestGatehouse;
  let gina: string;

  /** The wire answer and audited reason code of one mint by gina (globex-support only). */
  async function outcome(subject: string, extra: Record<string, string>) {
    const res = await tokenRequest(gh.issuer, 'support-console', mintFields(gina, subject, extra));
    const event = await lastEvent(gh, 'impersonation.denied');
    return { status: res.status, error: res.body.error, description: res.body.error_description, code: event?.code, user: event?.user };
  }

  before(async () => {
    redis = await startRedisServer();
    gh = await startExchangeGatehouse({
      redisUrl: redis.url,
      configure: (raw) => {
        raw.policy.rateLimits = { ticketsPerAdmin: { points: 1000, duration: 600 }, accessCodesPerAdmin: { points: 1000, duration: 600 } };
        raw.seed.users.push({ tenant: 'initech', email: 'otto@initech.test', name: 'Otto Opted-in', password: 'otto-demo-pass' });
      },
    });
    const key = new SoftwareAuthenticator();
    const { agent } = await signInConsole(gh.issuer, { email: 'gina@gatehouse.test', password: 'gina-demo-pass' });
    await enrollAdmin(gh, { email: 'gina@gatehouse.test', password: 'gina-demo-pass' }, key, 'gina key');
    gina = (await stepUp(gh.issuer, agent, key)).accessToken;
  });
  after(async () => {
    await gh?.stop();
    await redis?.stop();
  });

  it('at a tenant the admin does not cover: existing, nonexistent, opted-out and opted-in users, and access codes, get one refusal', async () => {
    const ivy = await userId(gh, 'initech', 'ivy@initech.test'); // opted out (the default)
    const otto = await userId(gh, 'initech', 'otto@initech.test');
    await setConsent(gh.gatehouse.services.store, otto, 'granted');
    const dan = await userId(gh, 'acme', 'dan@acme.test');
    await gh.gatehouse.services.accounts.users.setDisabled(dan, true);
    const { code } = await createAccessCode(gh.gatehouse.services.store, ivy, 'initech', 600);
    const initech = { audience: INITECH };
    const asCode = { audience: INITECH, subject_token_type: T.accessCode };
    const answers = {
      'opted-out user': await outcome(ivy, initech),
      'opted-in user': await outcome(otto, initech),
      'nonexistent user': await outcome('usr_doesnotexist', initech),
      'user of another tenant': await outcome(await userId(gh, 'acme', 'bob@acme.test'), initech),
      'disabled user of another tenant': await outcome(dan, initech),
      "the user's valid access code": await outcome(code, asCode),
      'a wrong access code': await outcome('ZZZZZ-ZZZZZ', asCode),
    };
    for (const [who, answer] of Object.entries(answers)) {
      assert.deepEqual(
        { status: answer.status, error: answer.error, description: answer.description, code: answer.code, user: answer.user },
        { status: 400, error: 'invalid_target', description: 'your roles do not cover this tenant', code: 'tenant_not_covered', user: undefined },
        who,
      );
    }
    assert.ok(await (await import('../../src/impersonation/access-codes.js')).peekAccessCode(gh.gatehouse.services.store, code), 'the code was not used');
  });

  it('at a tenant the admin covers, a user of a tenant it does not cover looks like no user at all', async () => {
    const bob = await userId(gh, 'acme', 'bob@acme.test');
    const globex = { audience: GLOBEX };
    const existing = await outcome(bob, globex);
    const missing = await outcome('usr_doesnotexist', globex);
    assert.deepEqual(existing, missing);
    assert.equal(existing.code, 'subject_unavailable');
    const { code } = await createAccessCode(gh.gatehouse.services.store, bob, 'acme', 600);
    const viaCode = await outcome(code, { audience: GLOBEX, subject_token_type: T.accessCode });
    const wrongCode = await outcome('ZZZZZ-ZZZZZ', { audience: GLOBEX, subject_token_type: T.accessCode });
    assert.deepEqual(viaCode, wrongCode);
  });
});
