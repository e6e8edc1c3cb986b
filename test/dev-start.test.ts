/**
 * An honest dev start (`npm start`, src/server.ts, the dev config as shipped, the memory
 * store): when a port Gatehouse or the demo tenant app needs is taken, one line on stderr
 * saying exactly what to run instead — and that command works, the console's sign-in
 * included; nothing claims to listen before everything does; SIGTERM to `npm start` leaves
 * no process holding a port. And the pretty log a person sees at a terminal.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { portIsFree } from '../src/dev/port-advice.js';
import { createLogger, prettyDestination } from '../src/log.js';
import { routeSubdomainsToLoopback } from './examples/subdomain-fetch.js';
import { dev } from './helpers/npm-start.js';
import { freePort } from './helpers/ports.js';

/** Holds a port the way another program would: listening on every interface. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((done) => server.listen(port, done));
  return { port, server };
}

/** `gatehouse: … or run it on free ports: A=1 B=2 npm start` → { A: '1', B: '2' }. */
function advice(stderr: string): Record<string, string> {
  const command = /or run it on (?:a free port|free ports): ((?:[A-Z_]+=\d+ )+)npm start\n$/.exec(stderr)?.[1];
  assert.ok(command, `says what to run: ${stderr}`);
  return Object.fromEntries(command.trim().split(' ').map((pair) => pair.split('=') as [string, string]));
}

describe('dev start with a port taken says exactly what to run, and that runs', () => {
  const held: Server[] = [];
  after(() => {
    for (const server of held) server.close();
  });

  it("Gatehouse's port taken: one line, exit 1, no 'listening'; the suggested PORT serves the console's sign-in", async () => {
    const taken = await occupy();
    held.push(taken.server);
    const demoPort = await freePort();
    const failed = await dev({ PORT: String(taken.port), GATEHOUSE_DEMO_PORT: String(demoPort) });
    assert.equal(await failed.exited, 1);
    const { stdout, stderr } = failed.output();
    assert.doesNotMatch(stdout, /listening|Gatehouse is running/, 'nothing claims to listen');
    assert.match(stderr, new RegExp(`^gatehouse: port ${taken.port} is already in use, so Gatehouse cannot start\\. Stop what uses it \\(lsof -i :${taken.port}\\), or run it on free ports: PORT=\\d+ GATEHOUSE_DEMO_PORT=${demoPort} npm start\\n$`));

    const instead = advice(stderr);
    const run = await dev(instead);
    try {
      await run.running();
      const out = run.output().stdout;
      const issuer = `http://localhost:${instead.PORT}`;
      // Gatehouse says it listens once everything it promised does, the demo app first.
      const lines = out.split('\n');
      const demoListens = lines.findIndex((l) => /"msg":"tenant app listening"/.test(l));
      const gatehouseListens = lines.findIndex((l) => /"msg":"gatehouse listening"/.test(l));
      assert.ok(demoListens >= 0 && gatehouseListens > demoListens, out);
      assert.equal(lines.findIndex((l) => /listening/.test(l)), demoListens, 'the first "listening" is a true one');
      assert.match(lines[demoListens]!, new RegExp(`"port":${demoPort},`));
      assert.match(lines[gatehouseListens]!, new RegExp(`"port":${instead.PORT},`));
      assert.match(out, new RegExp(`Gatehouse is running at ${issuer} `));
      assert.match(out, new RegExp(`demo tenant app "Acme Corp": http://acme\\.localhost:${demoPort}\\n`));
      // What the curl walkthrough needs: each user's id, and where the actor token is shown.
      assert.match(out, /\n {4}user {3}bob@acme\.test \/ bob-demo-pass {2}\(tenant acme, id usr_[\w-]+\)\n/);
      assert.match(out, new RegExp(`your actor token at ${issuer}/admin/dev-token\\n`));
      // The console's sign-in starts on the moved issuer and Gatehouse accepts its redirect_uri.
      const login = await fetch(`${issuer}/admin/login`, { redirect: 'manual' });
      const authorize = new URL(login.headers.get('location')!, issuer);
      assert.equal(authorize.searchParams.get('redirect_uri'), `${issuer}/admin/callback`);
      const page = await fetch(authorize, { redirect: 'manual' });
      assert.equal(page.status, 303, await page.text());
      assert.match(page.headers.get('location') ?? '', /\/interaction\//);
    } finally {
      assert.equal(await run.stop(), 0, run.output().stderr);
    }
  });

  it("the demo tenant app's port taken: one line, exit 1, no 'listening'; the suggested GATEHOUSE_DEMO_PORT serves Acme", async () => {
    const taken = await occupy();
    held.push(taken.server);
    const port = await freePort();
    const failed = await dev({ PORT: String(port), GATEHOUSE_DEMO_PORT: String(taken.port) });
    assert.equal(await failed.exited, 1);
    const { stdout, stderr } = failed.output();
    assert.doesNotMatch(stdout, /listening|Gatehouse is running/, 'nothing claims to listen');
    assert.match(stderr, new RegExp(`^gatehouse: port ${taken.port} is already in use, so the demo tenant app cannot start\\. Stop what uses it \\(lsof -i :${taken.port}\\), or run it on free ports: PORT=${port} GATEHOUSE_DEMO_PORT=\\d+ npm start\\n$`));

    const instead = advice(stderr);
    const run = await dev(instead);
    try {
      await run.running();
      const acme = `http://acme.localhost:${instead.GATEHOUSE_DEMO_PORT}`;
      assert.match(run.output().stdout, new RegExp(`demo tenant app "Acme Corp": ${acme}\\n`));
      const restore = routeSubdomainsToLoopback();
      const home = await fetch(`${acme}/`).finally(restore);
      assert.equal(home.status, 200);
      assert.match(await home.text(), /Acme/);
    } finally {
      assert.equal(await run.stop(), 0, run.output().stderr);
    }
  });
});

describe('npm start and signals', () => {
  it('SIGTERM to npm start shuts the server down gracefully and leaves no process holding a port', async () => {
    const [port, demoPort] = [await freePort(), await freePort()];
    const run = await dev({ PORT: String(port), GATEHOUSE_DEMO_PORT: String(demoPort) }, 'npm');
    try {
      await run.running();
      run.child.kill('SIGTERM'); // npm's process only, as a supervisor or `kill <pid>` sends it
      await run.exited;
      assert.match(run.output().stdout, /"signal":"SIGTERM".*"msg":"shutting down"/, 'the server itself got the signal');
      // Right after npm exits: an orphaned server would still hold both.
      assert.equal(await portIsFree(port), true, `port ${port} is free`);
      assert.equal(await portIsFree(demoPort), true, `port ${demoPort} is free`);
    } finally {
      // An orphan keeps npm's process group: whatever the outcome, nothing is left running.
      await run.stop();
    }
  });
});

describe('pretty log lines for a terminal', () => {
  it('one short line per request, no JSON, no request id', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += chunk;
        done();
      },
    });
    const logger = createLogger('info', await prettyDestination(sink));
    logger.child({ requestId: 'req-123' }).info({ method: 'GET', path: '/admin', status: 200, ms: 12 }, 'request');
    logger.info({ port: 8080 }, 'gatehouse listening');
    await new Promise((done) => setImmediate(done));
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 2, text);
    assert.match(lines[0]!, /INFO.*GET \/admin 200 12ms/);
    assert.doesNotMatch(lines[0]!, /req-123|\{/);
    assert.match(lines[1]!, /gatehouse listening.*port.*8080/);
  });
});
