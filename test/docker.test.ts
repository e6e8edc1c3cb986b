/**
 * The Docker steps of docs/operating.md, docker-compose.yml and the Dockerfile agree (issue 12).
 * There is no Docker engine here, so the steps run as a shell script in an empty folder, with
 * the one `docker run --rm gatehouse:latest gatehouse …` replaced by the same CLI the image
 * puts on its PATH (bin/gatehouse.js); `docker compose` lines are checked, not run. Then
 * everything compose reads must exist, the config must load as the container would load it,
 * the steps must end with an admin who can impersonate (an enrollment link), and what the
 * example config writes must be a volume the image's user owns. And the local trial (issue
 * 18): docker-compose.demo.yml, the README's command, and what the image must hold for it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEV_DEMO_PORT } from '../src/config/index.js';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/index.js';

const run = promisify(execFile);
const root = resolve('.');
const operating = readFileSync('docs/operating.md', 'utf8');
const readme = readFileSync('README.md', 'utf8');
const dockerignore = readFileSync('.dockerignore', 'utf8');
const dockerfile = readFileSync('Dockerfile', 'utf8');
type Compose = {
  services: Record<string, { image?: string; build?: string; command?: string[]; working_dir?: string; env_file?: string[]; environment?: Record<string, string>; volumes?: string[]; secrets?: string[]; ports?: string[]; expose?: string[] }>;
  secrets: Record<string, { file: string }>;
  volumes?: Record<string, unknown>;
};
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as Compose;
const demoCompose = parse(readFileSync('docker-compose.demo.yml', 'utf8')) as Compose;
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

  it("the bench runs the server with the image's command line and memory settings (bench/deployment.ts)", () => {
    const env = Object.fromEntries([...dockerfile.matchAll(/^ENV (MALLOC_.+)$/gm)].flatMap(([, pairs]) => pairs!.trim().split(/\s+/).map((p) => p.split('='))));
    assert.deepEqual(env, { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' });
    const bench = readFileSync('bench/deployment.ts', 'utf8');
    for (const [name, value] of Object.entries(env)) assert.ok(bench.includes(`${name}: '${value}'`), `the bench sets ${name}=${value}`);
    assert.match(dockerfile, /^CMD \["node", "--max-semi-space-size=8", "dist\/src\/server\.js"\]$/m);
    assert.ok(bench.includes(`['--max-semi-space-size=8', ...nodeArgs, resolve('dist/src/server.js')]`), "the bench's node flags are the image's");
  });
});

/** `RUN mkdir -p …` and `chown … node:node …` of the runtime stage: directories the server may write. */
function ownedByNode(): string[] {
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
  const run = /^RUN mkdir -p ([^\n\\]+)\\\n && chown -R node:node ([^\n]+)$/m.exec(runtime);
  assert.ok(run, 'the runtime stage makes the directories the server writes and gives them to node');
  const made = run[1]!.trim().split(/\s+/);
  const owned = run[2]!.trim().split(/\s+/);
  return made.filter((dir) => owned.some((o) => dir === o || dir.startsWith(`${o}/`)));
}

describe('Docker: what the example config writes, and an admin who can impersonate', () => {
  it("what the example config writes (audit.archiveDir, audit.stateDir) is on a volume, in directories the image gives to node", () => {
    const { archiveDir, stateDir } = JSON.parse(readFileSync('config/gatehouse.example.json', 'utf8')).audit as Record<string, string>;
    for (const dir of [archiveDir!, stateDir!]) {
      const mount = (gatehouse.volumes ?? []).find((v) => dir === v.split(':')[1] || dir.startsWith(`${v.split(':')[1]}/`));
      assert.ok(mount, `compose mounts a volume at ${dir} or above it`);
      assert.ok(compose.volumes && mount.split(':')[0]! in compose.volumes, 'a named volume compose declares');
      assert.ok(ownedByNode().includes(dir), `the image makes ${dir} and gives it to node (a new volume copies that ownership)`);
    }
  });

  it("the deployment steps end with the first admin's passkey enrollment link", () => {
    const start = operating.indexOf('## Docker\n');
    const steps = /```sh\n([\s\S]*?)```/.exec(operating.slice(start))![1]!.trim().split('\n').filter((l) => l && !l.startsWith('#'));
    assert.match(steps.at(-2)!, /^docker compose exec gatehouse gatehouse admin create --email (\S+) /);
    const email = /--email (\S+)/.exec(steps.at(-2)!)![1];
    assert.equal(steps.at(-1), `docker compose exec gatehouse gatehouse admin enroll-link ${email}`);
  });
});

describe('Docker: the local trial (docker-compose.demo.yml)', () => {
  const demo = demoCompose.services.gatehouse!;
  const env = demo.environment ?? {};

  it("the README gives the command, and the enrollment link's, in its Docker section", () => {
    const start = readme.indexOf('## Try it in Docker\n');
    assert.ok(start > 0, 'the README has a Docker section');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    assert.match(section, /^docker compose -f docker-compose\.demo\.yml up --build$/m);
    assert.match(section, /^docker compose -f docker-compose\.demo\.yml exec gatehouse gatehouse admin enroll-link alice@gatehouse\.test$/m);
    assert.ok(JSON.parse(readFileSync('config/gatehouse.dev.json', 'utf8')).seed.admins.some((a: { email: string }) => a.email === 'alice@gatehouse.test'));
  });

  it('it runs the image in development with the dev config the image holds, on the Redis beside it', () => {
    assert.equal(demo.image, 'gatehouse:latest');
    assert.equal(demo.build, '.');
    assert.equal(env.NODE_ENV, 'development');
    assert.equal(env.REDIS_URL, 'redis://redis:6379');
    assert.ok(demoCompose.services.redis, 'a redis service');
    assert.equal(env.GATEHOUSE_CONFIG, '/app/config/gatehouse.dev.json');
    assert.match(dockerfile, /^COPY config\/gatehouse\.example\.json config\/gatehouse\.dev\.json \.\/config\/$/m, 'the image holds the dev config');
    assert.match(dockerignore, /^!config\/gatehouse\.dev\.json$/m, 'and the build context lets it in');
    assert.deepEqual(demo.command, ['node', '--max-semi-space-size=8', '/app/dist/src/server.js']);
  });

  it('the console and the demo app are published on localhost at the ports their URLs name', () => {
    const config = parseConfig(JSON.parse(readFileSync('config/gatehouse.dev.json', 'utf8')), env, '/app/config/gatehouse.dev.json');
    assert.equal(config.production, false);
    assert.equal(config.issuer, `http://localhost:${env.PORT}`);
    assert.equal(Number(env.GATEHOUSE_DEMO_PORT ?? DEV_DEMO_PORT), Number(new URL(config.declared.tenants[0]!.domains[0]!).port));
    assert.deepEqual(demo.ports?.sort(), [`127.0.0.1:${env.PORT}:${env.PORT}`, `127.0.0.1:${env.GATEHOUSE_DEMO_PORT}:${env.GATEHOUSE_DEMO_PORT}`].sort());
  });

  it('the demo app is in the image: compiled by the build, its public files copied beside it', () => {
    assert.ok((JSON.parse(readFileSync('tsconfig.build.json', 'utf8')).include as string[]).includes('examples/tenant-app'));
    assert.match(dockerfile, /^COPY examples\/tenant-app\/public \.\/dist\/examples\/tenant-app\/public$/m);
    for (const asset of ['app.css', 'countdown.js', 'analytics.js', 'favicon.svg']) assert.ok(existsSync(`examples/tenant-app/public/${asset}`), asset);
  });

  it('dev keys are generated into a volume the image gives to node, in the working directory', () => {
    const dir = `${demo.working_dir}/.gatehouse`;
    assert.ok(demo.volumes?.some((v) => v.split(':')[1] === dir), `a volume at ${dir}`);
    assert.ok(ownedByNode().includes(dir), `the image makes ${dir} and gives it to node`);
  });
});
