/**
 * The Docker steps of docs/operating.md, docker-compose.yml and the Dockerfile agree (issue 12). There is
 * no Docker engine here, so the steps run as a shell script in an empty folder, with the one
 * `docker run --rm gatehouse:latest gatehouse …` replaced by the same CLI the image puts on
 * its PATH (bin/gatehouse.js); `docker compose` lines are checked, not run. Then everything
 * compose reads must exist, and the config must load as the container would load it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/index.js';

const run = promisify(execFile);
const root = resolve('.');
const operating = readFileSync('docs/operating.md', 'utf8');
const dockerfile = readFileSync('Dockerfile', 'utf8');
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<string, { image?: string; env_file?: string[]; environment?: Record<string, string>; volumes?: string[]; secrets?: string[]; ports?: string[]; expose?: string[] }>;
  secrets: Record<string, { file: string }>;
};
const gatehouse = compose.services.gatehouse!;

/** The shell block of docs/operating.md's "## Docker" section. */
function deploySteps(): string {
  const start = operating.indexOf('## Docker\n');
  const section = operating.slice(start, operating.indexOf('\n## ', start + 1));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the Docker section has a sh block of steps');
  return block;
}

/** KEY=value lines of a dotenv file. */
function dotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

describe('Docker: the deployment steps, docker-compose.yml and Dockerfile agree', () => {
  const folder = mkdtempSync(join(tmpdir(), 'gatehouse-docker-'));
  const image = gatehouse.image ?? '';
  let steps = '';

  before(async () => {
    // The repository's files the steps start from.
    mkdirSync(join(folder, 'config'));
    cpSync('config/gatehouse.example.json', join(folder, 'config/gatehouse.example.json'));
    steps = deploySteps();
    const prefix = `docker run --rm ${image} `;
    const script = steps
      .split('\n')
      .filter((line) => !line.startsWith('docker compose '))
      .map((line) => (line.startsWith(prefix) ? line.slice(prefix.length) : line))
      .join('\n');
    assert.doesNotMatch(script, /^docker /m, 'no other docker command in the steps');
    // `gatehouse` is what the image's PATH holds: bin/gatehouse.js (see the Dockerfile test below).
    const shell = `set -eu\ngatehouse() { NODE_ENV=production node ${JSON.stringify(join(root, 'bin/gatehouse.js'))} "$@"; }\n${script}`;
    await run('bash', ['-c', shell], { cwd: folder, env: { ...process.env, NODE_ENV: 'production' } });
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('the steps build and run the image compose names, with the CLI from its PATH', () => {
    assert.equal(image, 'gatehouse:latest');
    assert.match(steps, /^docker compose build$/m);
    assert.match(steps, /^docker compose up -d$/m);
    assert.match(steps, new RegExp(`^docker run --rm ${image} gatehouse keys generate > secrets/gatehouse-keys.json$`, 'm'));
    assert.match(steps, /^docker compose exec gatehouse gatehouse admin create /m);
  });

  it('every file compose mounts is made by a step', () => {
    // Host files only: a named volume (gatehouse-data, the checkpoint memory) is made by compose.
    const mounts = (gatehouse.volumes ?? []).map((v) => v.split(':')[0]!).filter((m) => m.startsWith('.'));
    assert.ok((gatehouse.volumes ?? []).includes('gatehouse-data:/var/lib/gatehouse'), 'audit.stateDir lives on a volume every instance shares');
    const files = [...mounts, ...Object.values(compose.secrets).map((s) => s.file), ...(gatehouse.env_file ?? [])];
    assert.deepEqual(files.sort(), ['./config/gatehouse.json', './secrets/gatehouse-keys.json', '.env']);
    for (const file of files) assert.ok(existsSync(join(folder, file)), `${file} exists after the steps`);
    const jwks = JSON.parse(readFileSync(join(folder, 'secrets/gatehouse-keys.json'), 'utf8')) as { keys: { d?: string }[] };
    assert.ok(jwks.keys.length >= 1 && jwks.keys.every((k) => k.d), 'a private JWKS');
  });

  it('the variables compose and the config need are in the .env the steps write', () => {
    const env = dotenv(readFileSync(join(folder, '.env'), 'utf8'));
    const interpolated = [...readFileSync('docker-compose.yml', 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
    for (const name of interpolated) assert.ok(env[name], `compose reads \${${name}}: the .env defines it`);
    const config = readFileSync(join(folder, 'config/gatehouse.json'), 'utf8');
    for (const [, name] of config.matchAll(/"env:([A-Z_][A-Z0-9_]*)"/g)) assert.ok(env[name!], `the config names env:${name}: the .env defines it`);
    for (const [name, value] of Object.entries(env)) assert.ok(value.length >= 32 || name === 'GATEHOUSE_ISSUER', `${name} is a long random value`);
  });

  it('the container loads that config in production (no dev secret, https issuer, Redis, keys)', () => {
    const env = dotenv(readFileSync(join(folder, '.env'), 'utf8'));
    const environment = Object.fromEntries(
      Object.entries(gatehouse.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z_]+)[^}]*\}/g, (_, n: string) => env[n] ?? '')]),
    );
    const target = (gatehouse.volumes ?? []).find((v) => v.startsWith('./config/gatehouse.json:'))!.split(':')[1];
    assert.equal(environment.GATEHOUSE_CONFIG, target, 'GATEHOUSE_CONFIG is where the config is mounted');
    assert.deepEqual(gatehouse.secrets, ['gatehouse_keys']);
    assert.equal(environment.GATEHOUSE_KEYS, '/run/secrets/gatehouse_keys', 'GATEHOUSE_KEYS is where compose puts the secret');
    const raw = JSON.parse(readFileSync(join(folder, 'config/gatehouse.json'), 'utf8'));
    const config = parseConfig(raw, { ...env, ...environment }, '/etc/gatehouse/gatehouse.json');
    assert.equal(config.production, true);
    const consoleClient = config.declared.clients.find((c) => c.role === 'support-console')!;
    assert.equal(new URL(consoleClient.redirectUris[0]!).origin, config.issuer, "the console's redirect URI is on the .env's issuer");
    assert.equal(config.metrics.port !== undefined && gatehouse.expose?.includes(String(config.metrics.port)), true, 'the metrics port is exposed');
  });

  it('the Dockerfile puts the gatehouse CLI on the PATH and copies only what exists', () => {
    assert.match(dockerfile, /ln -s \/app\/bin\/gatehouse\.js \/usr\/local\/bin\/gatehouse/);
    accessSync('bin/gatehouse.js', constants.X_OK);
    assert.match(readFileSync('bin/gatehouse.js', 'utf8'), /^#!\/usr\/bin\/env node\n/);
    for (const [, args] of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      const sources = args!.trim().split(/\s+/).slice(0, -1);
      for (const path of sources) assert.ok(existsSync(path), `COPY ${path}: it exists in the build context`);
    }
    assert.match(dockerfile, /^EXPOSE 3000 9464$/m);
    assert.ok(gatehouse.ports?.includes('127.0.0.1:3000:3000'));
    assert.match(dockerfile, /^ENV NODE_ENV=production PORT=3000$/m);
  });
});
