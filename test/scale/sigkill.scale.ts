/**
 * A process SIGKILLed mid-load (issue 10): the other instances carry on, the audit chain
 * verifies with the operator's own `gatehouse audit verify`, and no ticket is redeemed
 * twice, neither during the load (each ticket is presented twice at once) nor after it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { redeemFields, tokenRequest } from '../exchange/setup.js';
import { type Fleet, startFleet } from '../helpers/fleet.js';
import { impersonationLoad, redeemedTwice, tally } from '../helpers/impersonation-load.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';

const run = promisify(execFile);

describe('a Gatehouse process SIGKILLed under load', () => {
  let redis: TestRedis;
  let fleet: Fleet;

  before(async () => {
    redis = await startTestRedis();
    fleet = await startFleet({ redisEnv: redis.env, spawned: 3, prefix: 'sigkill' });
  });
  after(async () => {
    await fleet?.stop();
    await redis?.stop();
  });

  it('the audit verifies and nothing is redeemed twice', async () => {
    const victim = fleet.spawned[0]!;
    const victimUrl = `http://127.0.0.1:${victim.port}`;
    let done = false;
    const load = impersonationLoad({ instances: fleet.instances.slice(1), actor: fleet.actor, subject: fleet.bob, workers: 12, presentations: 2, until: () => done, maxMs: 60_000 });
    const faults = (async () => {
      await sleep(2000);
      await victim.kill();
      await sleep(2000);
      done = true;
    })();
    const [outcomes] = await Promise.all([load, faults]);
    const counts = tally(outcomes);

    // The killed process's requests got no answer; every answer anywhere was a success or a replay refusal.
    const wrong = outcomes.filter((o) => !(o.status === 200 || (o.leg === 'redeem' && o.status === 400 && o.error === 'invalid_request') || (o.status === 0 && o.via === victimUrl)));
    assert.deepEqual(wrong.map((o) => `${o.leg} ${o.status} ${o.error} via ${o.via}`), [], JSON.stringify(counts));
    assert.ok(outcomes.some((o) => o.status === 0), 'the kill cut requests off');
    assert.deepEqual(redeemedTwice(outcomes), []);
    const tickets = [...new Set(outcomes.filter((o) => o.ticket).map((o) => o.ticket!))];
    const again = await Promise.all(tickets.map((t) => tokenRequest(fleet.local.issuer, 'acme-app', redeemFields(t))));
    const redeemedBefore = new Set(outcomes.filter((o) => o.leg === 'redeem' && o.status === 200).map((o) => o.ticket));
    const secondWins = tickets.filter((t, i) => again[i]!.status === 200 && redeemedBefore.has(t));
    assert.deepEqual(secondWins, [], 'a ticket redeemed twice');

    const { stdout } = await run(process.execPath, ['bin/gatehouse.js', 'audit', 'verify'], {
      env: { ...process.env, ...fleet.env, GATEHOUSE_CONFIG: fleet.configPath, NODE_ENV: 'development' },
    });
    assert.match(stdout, /^audit log acme ok: \d+ entries/m, stdout);
    process.stderr.write(`sigkill: ${JSON.stringify(counts)}; ${stdout.trim()}\n`);
  });
});
