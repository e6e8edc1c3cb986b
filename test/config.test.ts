/**
 * Configuration validation (PROTOCOL §9): every bad file stops startup with a ConfigError
 * naming the field; production refuses what is only safe in development; a minimal file
 * gets the documented defaults; the real server exits 1 with one line naming the field.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../src/config/index.js';
import { generateJwks } from '../src/keys/index.js';
import { findPackageRoot, PACKAGE_ROOT } from '../src/package-root.js';

const EXAMPLE_CONFIG_PATH = resolve('config/gatehouse.example.json');
// biome-ignore lint/suspicious/noExplicitAny: the cases edit config files as the untyped JSON they are
type RawConfig = Record<string, any>;
const dev = (): RawConfig => JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));
const example = (): RawConfig => JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'));

/** What a production deployment of the example config sets (long, random-looking secrets). */
const PRODUCTION_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: 'production',
  GATEHOUSE_ISSUER: 'https://id.example.com',
  REDIS_URL: 'redis://redis:6379',
  GATEHOUSE_KEYS: '/run/secrets/gatehouse-keys.json',
  GATEHOUSE_COOKIE_KEY: 'k9V3q7ZfX2mW8rT1yL5pN0bH4cJ6dG',
  GATEHOUSE_CONSOLE_CLIENT_SECRET: 'Qm4Tz8Lr2Vx6Np0Kc5Hs9Jd3Fw7Gb1Y',
  ACME_CLIENT_SECRET: 'w3Rt7Yu1Io5Pa9Sd2Fg6Hj0Kl4Zx8Cv',
  GLOBEX_CLIENT_SECRET: 'B6nM2qW8eR4tY0uI5oP1aS7dF3gH9jK',
  GATEHOUSE_WEBHOOK_SECRET: 'L8kJ4hG0fD6sA2pO9iU5yT1rE7wQ3zX',
};

function configError(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(raw, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${(err as Error)?.name}: ${(err as Error)?.message}`);
    return err.message;
  }
  assert.fail('the config was accepted');
}

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-config-')), name);
  writeFileSync(path, content);
  return path;
}

describe('config: each bad file names the field', () => {
  const cases: { name: string; change: (raw: RawConfig) => void; field: string; says: RegExp }[] = [
    {
      name: 'a tenant domain with a path is not an origin',
      change: (r) => (r.tenants[0].domains[0] = 'http://acme.localhost:4000/app'),
      field: 'tenants[0].domains[0]',
      says: /must be an origin/,
    },
    {
      // Once a TypeError from `new URL` escaped validation: the server died without naming the field.
      name: 'a tenant domain that is not a URL at all',
      change: (r) => (r.tenants[0].domains = ['ftp//nope']),
      field: 'tenants[0].domains[0]',
      says: /must be an origin|Invalid URL/,
    },
    {
      name: 'a tenant domain with a trailing slash',
      change: (r) => (r.tenants[1].domains = ['http://globex.localhost:4000/']),
      field: 'tenants[1].domains[0]',
      says: /must be an origin/,
    },
    {
      name: 'a client names an unknown tenant',
      change: (r) => (r.clients[1].tenant = 'initech'),
      field: 'clients[1].tenant',
      says: /unknown tenant "initech"/,
    },
    {
      name: 'a tenant client without a tenant',
      change: (r) => delete r.clients[1].tenant,
      field: 'clients[1].tenant',
      says: /names its tenant/,
    },
    {
      name: 'a duplicate client',
      change: (r) => r.clients.push({ ...r.clients[1] }),
      field: `clients[${dev().clients.length}].clientId`,
      says: /duplicate client "acme-app"/,
    },
    {
      name: 'one domain in two tenants',
      change: (r) => r.tenants[1].domains.push('http://acme.localhost:4000'),
      field: 'tenants[1].domains[1]',
      says: /already belongs to tenant "acme"/,
    },
    {
      name: 'defaultSeconds above maxSeconds',
      change: (r) => (r.tenants[0].impersonation = { maxSeconds: 600, defaultSeconds: 1200 }),
      field: 'tenants[0].impersonation.defaultSeconds',
      says: /must not exceed maxSeconds/,
    },
    {
      name: 'defaultSeconds above the default maxSeconds (3600)',
      change: (r) => (r.tenants[1].impersonation = { defaultSeconds: 7200 }),
      field: 'tenants[1].impersonation.defaultSeconds',
      says: /must not exceed maxSeconds/,
    },
    {
      name: 'maxSeconds above the 8 h hard cap',
      change: (r) => (r.tenants[0].impersonation = { maxSeconds: 8 * 3600 + 1, defaultSeconds: 1800 }),
      field: 'tenants[0].impersonation.maxSeconds',
      says: /28800/,
    },
    {
      name: 'a role names an unknown tenant',
      change: (r) => (r.roles[1].tenants = ['acme', 'umbrella']),
      field: 'roles[1].tenants[1]',
      says: /unknown tenant "umbrella"/,
    },
    {
      name: 'a seed admin with an unknown role',
      change: (r) => r.seed.admins[0].roles.push('superuser'),
      field: 'seed.admins[0].roles[1]',
      says: /unknown role "superuser"/,
    },
    {
      name: 'a seed user of an unknown tenant',
      change: (r) => (r.seed.users[2].tenant = 'umbrella'),
      field: 'seed.users[2].tenant',
      says: /unknown tenant "umbrella"/,
    },
    {
      name: 'ticketTtl above 300 s',
      change: (r) => (r.policy = { ticketTtl: 301 }),
      field: 'policy.ticketTtl',
      says: /300/,
    },
    {
      name: 'argon2 memory below the OWASP minimum',
      change: (r) => (r.policy = { argon2: { memoryCost: 1024 } }),
      field: 'policy.argon2.memoryCost',
      says: /8192/,
    },
    {
      name: 'no cookie keys',
      change: (r) => (r.cookieKeys = []),
      field: 'cookieKeys',
      says: /1/,
    },
    {
      name: 'an unknown consent mode',
      change: (r) => (r.tenants[0].consent = 'maybe'),
      field: 'tenants[0].consent',
      says: /opt-in/,
    },
    {
      name: 'a number where a list of domains belongs',
      change: (r) => (r.tenants[0].domains = 42),
      field: 'tenants[0].domains',
      says: /array/,
    },
    {
      name: 'a tenant that is null',
      change: (r) => (r.tenants[1] = null),
      field: 'tenants[1]',
      says: /expected object/,
    },
    {
      name: 'a redirect URI that is not a URL',
      change: (r) => (r.clients[1].redirectUris = ['/callback']),
      field: 'clients[1].redirectUris[0]',
      says: /URL/,
    },
    {
      name: 'a back-channel logout URI with a fragment',
      change: (r) => (r.clients[1].backchannelLogoutUri = 'https://app.acme.example/logout#now'),
      field: 'clients[1].backchannelLogoutUri',
      says: /http\(s\) URL without a fragment/,
    },
    {
      name: 'a back-channel logout URI that is not http(s)',
      change: (r) => (r.clients[1].backchannelLogoutUri = 'javascript:alert(1)'),
      field: 'clients[1].backchannelLogoutUri',
      says: /http\(s\) URL without a fragment/,
    },
    {
      name: 'an activity batch limit below what the RP kit sends',
      change: (r) => (r.policy = { ...r.policy, activityPerBatch: 10 }),
      field: 'policy.activityPerBatch',
      says: /50/,
    },
    {
      name: 'an env:NAME reference to an unset variable',
      change: (r) => (r.clients[2].clientSecret = 'env:GLOBEX_SECRET_THAT_IS_NOT_SET'),
      field: 'clients[2].clientSecret',
      says: /environment variable GLOBEX_SECRET_THAT_IS_NOT_SET is not set/,
    },
    {
      name: 'a tenant called system, the audit log of events without a tenant',
      change: (r) => (r.tenants[0].id = 'system'),
      field: 'tenants[0].id',
      says: /reserved for the audit log/,
    },
    {
      name: 'a checkpoint interval of zero',
      change: (r) => (r.audit = { checkpointSeconds: 0 }),
      field: 'audit.checkpointSeconds',
      says: />=1|too small/i,
    },
    {
      name: 'a webhook for a notification that does not exist',
      change: (r) => r.webhooks.push({ url: 'https://hooks.example.com/x', events: ['audit.checkpointed'] }),
      field: 'webhooks[0].events[0]',
      says: /invalid/i,
    },
    {
      name: 'an env:NAME reference deep in a webhook',
      change: (r) => r.webhooks.push({ url: 'https://hooks.example.com/x', secret: 'env:HOOK_SECRET_NOT_SET' }),
      field: 'webhooks[0].secret',
      says: /HOOK_SECRET_NOT_SET is not set/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const raw = dev();
      c.change(raw);
      const message = configError(raw);
      assert.ok(message.includes(`${c.field}:`), `names ${c.field}: ${message}`);
      assert.match(message, c.says);
    });
  }

  it('an env:NAME reference resolves from the environment', () => {
    const raw = dev();
    raw.clients[2].clientSecret = 'env:GLOBEX_SECRET';
    const config = parseConfig(raw, { GLOBEX_SECRET: 'from-the-environment' });
    assert.equal(config.declared.clients[2]!.clientSecret, 'from-the-environment');
  });

  it('environment variables are checked and named too', () => {
    assert.match(configError(dev(), { PORT: 'eighty' }), /^PORT:/);
    assert.match(configError(dev(), { GATEHOUSE_ISSUER: 'not a url' }), /^GATEHOUSE_ISSUER:/);
    assert.match(configError(dev(), { REDIS_URL: 'http://redis:6379' }), /^REDIS_URL:/);
    assert.match(configError(dev(), { REDIS_SENTINELS: 'a:1' }), /^REDIS_SENTINEL_NAME:/);
    assert.match(configError(dev(), { REDIS_CLUSTER_NODES: 'a:1,b' }), /^REDIS_CLUSTER_NODES:/);
  });

  it('a file that is not JSON (loadConfig with GATEHOUSE_CONFIG)', () => {
    const path = tempFile('broken.json', '{ "cookieKeys": ["x"], ');
    assert.throws(
      () => loadConfig({ GATEHOUSE_CONFIG: path }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(path) && /not valid JSON/.test(err.message),
    );
  });

  it('a file that does not exist', () => {
    const path = join(tmpdir(), 'gatehouse-no-such-dir', 'gatehouse.json');
    assert.throws(
      () => loadConfig({ GATEHOUSE_CONFIG: path }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(path) && /ENOENT/.test(err.message),
    );
  });

  it('loadConfig reads GATEHOUSE_CONFIG and names that file in validation errors', () => {
    const raw = dev();
    raw.tenants[0].domains = ['ftp//nope'];
    const path = tempFile('gatehouse.json', JSON.stringify(raw));
    assert.throws(
      () => loadConfig({ GATEHOUSE_CONFIG: path }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(path) && err.message.includes('tenants[0].domains[0]:'),
    );
    const good = tempFile('gatehouse.json', JSON.stringify(dev()));
    assert.equal(loadConfig({ GATEHOUSE_CONFIG: good }).configPath, good);
  });

  it('the package root is found alike from src/ (tsx) and dist/src/ (npm run build)', () => {
    assert.equal(PACKAGE_ROOT, resolve('.'));
    for (const from of ['src/config', 'dist/src/config', 'dist/src/http']) assert.equal(findPackageRoot(resolve(from)), resolve('.'), from);
  });

  it('without GATEHOUSE_CONFIG, loadConfig reads the dev config in config/', () => {
    const config = loadConfig({});
    assert.equal(config.configPath, DEFAULT_CONFIG_PATH);
    assert.equal(DEFAULT_CONFIG_PATH, resolve('config/gatehouse.dev.json'));
    assert.ok(config.seed, 'the dev config seeds demo accounts');
  });
});

describe('config: production refuses what is only for development', () => {
  it('the example config starts in production with its environment set', () => {
    const config = parseConfig(example(), PRODUCTION_ENV);
    assert.equal(config.production, true);
    assert.equal(config.issuer, 'https://id.example.com');
    assert.deepEqual(config.redis, { url: 'redis://redis:6379' });
    assert.equal(config.seed, undefined);
    assert.equal(config.declared.clients[0]!.clientSecret, PRODUCTION_ENV.GATEHOUSE_CONSOLE_CLIENT_SECRET);
  });

  it('production leaves its URLs as written: the dev ports do not follow PORT or GATEHOUSE_DEMO_PORT', () => {
    const raw = example();
    raw.webhooks = [{ url: 'http://hooks.localhost:4000/x', events: ['*'] }];
    const config = parseConfig(raw, { ...PRODUCTION_ENV, PORT: '3210', GATEHOUSE_DEMO_PORT: '4210' });
    assert.equal(config.webhooks[0]!.url, 'http://hooks.localhost:4000/x');
    assert.deepEqual(config.declared.clients[0]!.redirectUris, example().clients[0].redirectUris);
  });

  it('the example config holds no secret itself: every one is an env:NAME reference, every origin https', () => {
    const raw = example();
    assert.equal(raw.seed, undefined);
    for (const key of raw.cookieKeys) assert.match(key, /^env:[A-Z0-9_]+$/);
    for (const c of raw.clients) assert.match(c.clientSecret, /^env:[A-Z0-9_]+$/, c.clientId);
    for (const w of raw.webhooks) assert.match(w.secret, /^env:[A-Z0-9_]+$/);
    for (const t of raw.tenants) for (const d of t.domains) assert.match(d, /^https:\/\//);
    for (const c of raw.clients) for (const u of [...c.redirectUris, ...c.postLogoutRedirectUris]) assert.match(u, /^https:\/\//);
  });

  const refusals: { name: string; env?: NodeJS.ProcessEnv; change?: (raw: RawConfig) => void; says: RegExp }[] = [
    { name: 'the memory store (no REDIS_URL)', env: { REDIS_URL: undefined }, says: /no store configured.*REDIS_URL.*memory store/ },
    { name: 'generated keys (no GATEHOUSE_KEYS)', env: { GATEHOUSE_KEYS: undefined }, says: /GATEHOUSE_KEYS is not set/ },
    {
      name: 'a seed',
      change: (r) => (r.seed = { admins: [], users: [] }),
      says: /seed: demo accounts are refused/,
    },
    { name: 'an http issuer', env: { GATEHOUSE_ISSUER: 'http://id.example.com' }, says: /GATEHOUSE_ISSUER: must be https/ },
    { name: 'a dev client secret', env: { ACME_CLIENT_SECRET: 'dev-acme-secret' }, says: /clients\[1\]\.clientSecret: a development or short secret/ },
    { name: 'a short client secret', env: { GLOBEX_CLIENT_SECRET: 'short' }, says: /clients\[2\]\.clientSecret: a development or short secret/ },
    { name: 'a dev cookie key', env: { GATEHOUSE_COOKIE_KEY: 'dev-cookie-key-change-me-0001' }, says: /cookieKeys\[0\]: a development or short secret/ },
    { name: 'a dev webhook secret', env: { GATEHOUSE_WEBHOOK_SECRET: 'dev-webhook-secret-0001' }, says: /webhooks\[0\]\.secret: a development or short secret/ },
  ];

  for (const r of refusals) {
    it(`refuses ${r.name}, and names it`, () => {
      const raw = example();
      r.change?.(raw);
      const env = { ...PRODUCTION_ENV, ...r.env };
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
      const message = configError(raw, env);
      assert.match(message, /^refusing to start in production: /);
      assert.match(message, r.says);
      // Only this problem: every other part of the environment is production-safe.
      for (const other of refusals) if (other !== r) assert.doesNotMatch(message, other.says);
    });
  }

  it('the dev config in production lists every problem at once', () => {
    const message = configError(dev(), { NODE_ENV: 'production' });
    for (const part of [/memory store/, /GATEHOUSE_KEYS/, /seed:/, /GATEHOUSE_ISSUER: must be https/, /cookieKeys\[0\]/, /clients\[0\]\.clientSecret/, /clients\[1\]\.clientSecret/, /clients\[2\]\.clientSecret/]) {
      assert.match(message, part);
    }
  });
});

describe('config: documented defaults', () => {
  /** The smallest valid file: one cookie key. */
  const minimal = { cookieKeys: ['a-cookie-key-for-tests'] };

  it('a minimal file gets the global defaults', () => {
    const config = parseConfig(minimal, {});
    assert.equal(config.policy.ticketTtl, 60);
    assert.equal(config.policy.stepUpMaxAge, 300);
    assert.deepEqual(config.policy.argon2, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    assert.deepEqual(config.policy.rateLimits.loginPerAccount, { points: 5, duration: 900 });
    assert.equal(config.storePrefix, 'gh');
    assert.equal(config.trustProxy, 0);
    assert.deepEqual([config.declared.tenants, config.declared.clients, config.declared.roles, config.webhooks], [[], [], [], []]);
    assert.equal(config.port, 3000);
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.equal(config.redis, null);
    assert.equal(config.keysSource, null);
    assert.equal(config.production, false);
    assert.deepEqual(config.audit, { checkpointSeconds: 60, retentionDays: 365 });
  });

  it('activity limits default to 100 per report and 1000 per session; no client has a logout URI unless given', () => {
    const config = parseConfig(minimal, {});
    assert.equal(config.policy.activityPerBatch, 100);
    assert.equal(config.policy.activityPerSession, 1000);
    const withClient = parseConfig(
      { ...minimal, tenants: [{ id: 'acme', name: 'Acme', domains: ['https://app.acme.example'] }], clients: [{ clientId: 'acme-app', clientSecret: 's', role: 'tenant', tenant: 'acme' }] },
      {},
    );
    assert.equal(withClient.declared.clients[0]!.backchannelLogoutUri, undefined);
  });

  it('a tenant with only id, name and domains gets the tenant defaults', () => {
    const config = parseConfig({ ...minimal, tenants: [{ id: 'acme', name: 'Acme', domains: ['https://app.acme.example'] }] }, {});
    const tenant = config.declared.tenants[0]!;
    assert.equal(tenant.redeemPath, '/impersonate');
    assert.equal(tenant.ticketDelivery, 'form_post');
    assert.equal(tenant.consent, 'none');
    assert.equal(tenant.onReplay, 'revoke');
    assert.equal(tenant.impersonation.maxSeconds, 3600);
    assert.equal(tenant.impersonation.defaultSeconds, 1800);
    assert.deepEqual(tenant.impersonation.scopes, ['openid', 'profile', 'email']);
  });

  it('a partial policy or impersonation block keeps the defaults it leaves out', () => {
    const config = parseConfig(
      {
        ...minimal,
        tenants: [{ id: 'acme', name: 'Acme', domains: ['https://app.acme.example'], impersonation: { maxSeconds: 7200 } }],
        policy: { ticketTtl: 30, argon2: { timeCost: 3 } },
      },
      {},
    );
    assert.equal(config.declared.tenants[0]!.impersonation.maxSeconds, 7200);
    assert.equal(config.declared.tenants[0]!.impersonation.defaultSeconds, 1800);
    assert.equal(config.policy.ticketTtl, 30);
    assert.equal(config.policy.stepUpMaxAge, 300);
    assert.deepEqual(config.policy.argon2, { memoryCost: 19456, timeCost: 3, parallelism: 1 });
  });

  it('enrollment links, unknown-ticket limits, role capabilities and webhook events have their defaults and bounds', () => {
    const config = parseConfig({ ...minimal, roles: [{ name: 'support', tenants: '*' }], webhooks: [{ url: 'https://hooks.example.com/x' }] }, {});
    assert.equal(config.policy.passkeyEnrollmentTtl, 86400);
    assert.deepEqual(config.policy.rateLimits.enrollmentAttemptsPerLink, { points: 5, duration: 86400 });
    assert.deepEqual(config.policy.rateLimits.unknownTicketsPerClient, { points: 30, duration: 60 });
    const role = config.declared.roles[0]!;
    assert.deepEqual([role.manageAdmins, role.manageUsers, role.manageTenants], [false, false, false]);
    assert.deepEqual(config.webhooks[0]!.events, [
      'support_access.requested',
      'tenant.protection_changed',
      'impersonation.started',
      'impersonation.ended',
      'admin.enrollment_link_issued',
      'admin.passkey_registered',
      'admin.passkey_removed',
    ]);
    const partial = parseConfig({ ...minimal, policy: { rateLimits: { unknownTicketsPerClient: { points: 3, duration: 10 } } } }, {});
    assert.deepEqual(partial.policy.rateLimits.loginPerAccount, { points: 5, duration: 900 }, 'the other limits keep their defaults');
    assert.match(configError({ ...minimal, policy: { passkeyEnrollmentTtl: 60 } }), /policy\.passkeyEnrollmentTtl/);
    assert.match(configError({ ...minimal, policy: { passkeyEnrollmentTtl: 30 * 86400 } }), /policy\.passkeyEnrollmentTtl/);
    assert.match(configError({ ...minimal, roles: [{ name: 'x', manageAdmins: 'yes' }] }), /roles\[0\]\.manageAdmins/);
  });

  it('PORT and GATEHOUSE_ISSUER from the environment; the issuer loses a trailing slash', () => {
    const config = parseConfig(minimal, { PORT: '8080', GATEHOUSE_ISSUER: 'https://id.example.com/' });
    assert.equal(config.port, 8080);
    assert.equal(config.issuer, 'https://id.example.com');
    assert.equal(parseConfig(minimal, { PORT: '8080' }).issuer, 'http://localhost:8080');
  });
});

describe('config: the real server refuses a bad file', () => {
  /** Runs `node --import tsx src/server.ts` to its exit. */
  function runServer(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/server.ts')], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', fail);
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });
  }

  it('exits 1 with one line naming the field', async () => {
    const raw = dev();
    raw.tenants[0].impersonation = { maxSeconds: 36000 };
    const path = tempFile('gatehouse.json', JSON.stringify(raw));
    const { code, stdout, stderr } = await runServer({ GATEHOUSE_CONFIG: path });
    assert.equal(code, 1, stderr);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^gatehouse: invalid config .*tenants\[0\]\.impersonation\.maxSeconds: /);
  });

  it('exits 1 with one line for a file that is not JSON, and for one that is missing', async () => {
    for (const path of [tempFile('gatehouse.json', 'not json'), join(tmpdir(), 'gatehouse-missing', 'x.json')]) {
      const { code, stderr } = await runServer({ GATEHOUSE_CONFIG: path });
      assert.equal(code, 1, stderr);
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      assert.ok(stderr.startsWith('gatehouse: ') && stderr.includes(path), stderr);
    }
  });

  it('exits 1 with a key set that cannot sign audit checkpoints (no Ed25519 key)', async () => {
    const { keys } = await generateJwks();
    const { code, stderr } = await runServer({ GATEHOUSE_KEYS: JSON.stringify({ keys: keys.filter((k) => k.kty !== 'OKP') }), GATEHOUSE_DEMO_APP: 'off' });
    assert.equal(code, 1, stderr);
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    assert.match(stderr, /^gatehouse: failed to start: GATEHOUSE_KEYS has no Ed25519 key to sign audit checkpoints/);
  });

  it('exits 1 in production with the dev config, naming what it refuses', async () => {
    const { code, stderr } = await runServer({ NODE_ENV: 'production' });
    assert.equal(code, 1, stderr);
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    assert.match(stderr, /^gatehouse: refusing to start in production: .*memory store.*GATEHOUSE_KEYS.*seed/);
  });
});
