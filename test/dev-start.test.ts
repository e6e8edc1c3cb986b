/**
 * An honest dev start (`npm start`, src/server.ts): when the port Gatehouse or the demo tenant
 * app needs is taken, one clear line on stderr and a non-zero exit; never "Gatehouse is running"
 * without the demo it promised. And the pretty log a person sees at a terminal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createLogger, prettyDestination } from '../src/log.js';
import { writeConfig } from './helpers/gatehouse-process.js';
import { baseConfig, testKeys } from './helpers/gatehouse.js';
import { freePort } from './helpers/ports.js';

/** Holds a port the way another program would: listening on every interface. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((done) => server.listen(port, done));
  return { port, server };
}

/** Runs src/server.ts in dev with the memory store; resolves with its exit code and output. */
async function start(port: number, demoPort: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const raw = baseConfig();
  // The dev config's tenant origins (and so the demo app) move to `demoPort`.
  const moved = JSON.parse(JSON.stringify(raw).replaceAll('.localhost:4000', `.localhost:${demoPort}`).replaceAll('localhost:3000', `localhost:${port}`));
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/server.ts')], {
    env: { ...process.env, PORT: String(port), GATEHOUSE_CONFIG: writeConfig(moved), GATEHOUSE_KEYS: await testKeys(), NODE_ENV: 'development', REDIS_URL: '', GATEHOUSE_DEMO_APP: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // A server that wrongly keeps running is stopped, so the test fails instead of hanging.
  const stop = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  clearTimeout(stop);
  return { code, stdout, stderr };
}

describe('dev start with a port taken', () => {
  const held: Server[] = [];
  after(() => {
    for (const server of held) server.close();
  });

  it("Gatehouse's port (3000 in dev) taken: one clear line, exit 1", async () => {
    const taken = await occupy();
    held.push(taken.server);
    const { code, stdout, stderr } = await start(taken.port, await freePort());
    assert.equal(code, 1);
    assert.equal(stderr, `gatehouse: port ${taken.port} is already in use, so Gatehouse cannot start. Stop what uses it (lsof -i :${taken.port})\n`);
    assert.doesNotMatch(stdout, /Gatehouse is running/);
  });

  it("the demo tenant app's port (4000 in dev) taken: one clear line, exit 1, never 'running'", async () => {
    const taken = await occupy();
    held.push(taken.server);
    const { code, stdout, stderr } = await start(await freePort(), taken.port);
    assert.equal(code, 1, stdout + stderr);
    assert.equal(
      stderr,
      `gatehouse: port ${taken.port} is already in use, so the demo tenant app cannot start. Stop what uses it (lsof -i :${taken.port}), or run: GATEHOUSE_DEMO_APP=off npm start\n`,
    );
    assert.doesNotMatch(stdout, /Gatehouse is running/);
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
    logger.info({ port: 3000 }, 'gatehouse listening');
    await new Promise((done) => setImmediate(done));
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 2, text);
    assert.match(lines[0]!, /INFO.*GET \/admin 200 12ms/);
    assert.doesNotMatch(lines[0]!, /req-123|\{/);
    assert.match(lines[1]!, /gatehouse listening.*port.*3000/);
  });
});
