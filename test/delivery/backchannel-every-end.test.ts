/**
 * Every way an impersonation session ends reaches the tenant app at once (PROTOCOL §8,
 * OpenID Connect Back-Channel Logout 1.0): the console's End, the user's End now, a replayed
 * ticket, the CLI's `sessions end` and `user disable` (queued by the CLI, delivered by the
 * running Gatehouse), and the app's own Stop. Real Gatehouse and Redis, the demo tenant app
 * re-checking introspection only hourly, so nothing but the logout can drop the sessions
 * within the test; each drop is seen at the browser's next request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { runCli } from '../helpers/cli.js';
import { signInConsole, stepUp } from '../helpers/console.js';
import { givePasskey } from '../helpers/enroll.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { HttpAgent } from '../helpers/http-agent.js';
import { cookie, csrfOf, type Demo, startDemo } from '../examples/tenant-app-setup.js';
import { mintFields, redeemFields, tokenRequest } from '../exchange/setup.js';

const ALICE = { email: 'alice@gatehouse.test', password: 'alice-demo-pass' };

describe('back-channel logout on every end (real Gatehouse, real Redis, demo app re-checking hourly)', () => {
  let demo: Demo;
  let gh: Demo['gh'];
  let cliEnv: Record<string, string>;
  let consoleAgent: HttpAgent;
  let actorToken: string;
  const key = new SoftwareAuthenticator();

  const userIdOf = async (email: string) => (await gh.gatehouse.services.accounts.users.findByEmail('acme', email))!.id;

  /** Mints for `email` and posts the ticket to acme, as the console's page does. */
  async function impersonate(email: string) {
    const minted = await tokenRequest(gh.issuer, 'support-console', mintFields(actorToken, await userIdOf(email), { audience: demo.acme }));
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const browser = new HttpAgent();
    assert.equal((await browser.postForm(`${demo.acme}/impersonate`, { ticket: minted.body.access_token })).status, 303);
    const token = decodeURIComponent(cookie(browser, 'gh_imp') ?? '');
    const sid = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { impersonation: { sid: string } }).impersonation.sid;
    assert.match(await (await browser.fetch(`${demo.acme}/`)).text(), /impersonated by <strong>/);
    return { browser, sid, ticket: minted.body.access_token as string };
  }

  /** Waits for the app to log the logout of `sid`, then checks the browser's next page has no banner. */
  async function droppedAtOnce(browser: HttpAgent, sid: string) {
    const deadline = Date.now() + 15_000;
    while (!demo.logs.some((l) => l.event === 'logged_out' && l.sid === sid)) {
      if (Date.now() > deadline) throw new Error(`no back-channel logout for ${sid}: ${JSON.stringify(demo.logs.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.doesNotMatch(await (await browser.fetch(`${demo.acme}/`)).text(), /impersonated by/, 'gone at the next request');
  }

  before(async () => {
    demo = await startDemo({
      recheckSeconds: 3600,
      storePrefix: 'every-end',
      configure: (raw) => {
        for (const [i, name] of ['Erin', 'Finn', 'Gus', 'Hal', 'Ivo'].entries()) {
          raw.seed.users.push({ tenant: 'acme', email: `${name.toLowerCase()}@acme.test`, name: `${name} Acme`, password: `${name.toLowerCase()}-acme-pass${i}` });
        }
      },
    });
    gh = demo.gh;
    cliEnv = { REDIS_URL: demo.redis.url, GATEHOUSE_CONFIG: writeConfig({ ...gh.config, ...gh.config.declared } as unknown as Record<string, unknown>), GATEHOUSE_ISSUER: gh.issuer };
    await givePasskey(gh, 'admin', ALICE.email, key);
    ({ agent: consoleAgent } = await signInConsole(gh.issuer, ALICE));
    actorToken = (await stepUp(gh.issuer, consoleAgent, key)).accessToken;
  });
  after(() => demo?.stop());

  it('the admin ends it in the console', async () => {
    const { browser, sid } = await impersonate('erin@acme.test');
    const page = await (await consoleAgent.fetch(`${gh.issuer}/admin/sessions`)).text();
    assert.equal((await consoleAgent.postForm(`${gh.issuer}/admin/sessions/${sid}/end`, { csrf: csrfOf(page) })).status, 303);
    await droppedAtOnce(browser, sid);
  });

  it('the user ends it on /account', async () => {
    const { browser, sid } = await impersonate('finn@acme.test');
    const account = new HttpAgent();
    const signin = await (await account.fetch(`${gh.issuer}/account`)).text();
    await account.postForm(`${gh.issuer}/account/login`, { csrf: csrfOf(signin), tenant: 'acme', email: 'finn@acme.test', password: 'finn-acme-pass1' });
    const home = await (await account.fetch(`${gh.issuer}/account`)).text();
    assert.equal((await account.postForm(`${gh.issuer}/account/support-access/sessions/${sid}/end`, { csrf: csrfOf(home) })).status, 303);
    await droppedAtOnce(browser, sid);
  });

  it('a replayed ticket ends the session its first presentation started', async () => {
    const { browser, sid, ticket } = await impersonate('gus@acme.test');
    const replay = await tokenRequest(gh.issuer, 'acme-app', redeemFields(ticket));
    assert.equal(replay.status, 400);
    await droppedAtOnce(browser, sid);
  });

  it('gatehouse sessions end, and gatehouse user disable, from the CLI', async () => {
    const first = await impersonate('hal@acme.test');
    const ended = await runCli(['sessions', 'end', first.sid], cliEnv);
    assert.equal(ended.code, 0, ended.stderr);
    await droppedAtOnce(first.browser, first.sid);
    const second = await impersonate('ivo@acme.test');
    const disabled = await runCli(['user', 'disable', '--tenant', 'acme', 'ivo@acme.test'], cliEnv);
    assert.equal(disabled.code, 0, disabled.stderr);
    await droppedAtOnce(second.browser, second.sid);
  });

  it("the app's own Stop is announced too (the app has already dropped it)", async () => {
    const { browser, sid } = await impersonate('bob@acme.test');
    const page = await (await browser.fetch(`${demo.acme}/`)).text();
    assert.equal((await browser.postForm(`${demo.acme}/impersonate/stop`, { csrf: csrfOf(page) })).status, 303);
    await droppedAtOnce(browser, sid);
  });
});
