/**
 * `gatehouse config apply` in production (PROTOCOL §9: production refuses development
 * secrets) with the real CLI on a real Redis: the dev file's client secrets are refused as
 * at startup, nothing is applied; a file with strong secrets applies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG_PATH } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { testKeys } from '../helpers/gatehouse.js';
import { writeConfig } from '../helpers/gatehouse-process.js';
import { startTestRedis, type TestRedis } from '../helpers/test-redis.js';

describe('config apply in production (real CLI, real Redis)', () => {
  let redis: TestRedis;
  let production: Record<string, string>;

  before(async () => {
    redis = await startTestRedis();
    production = {
      NODE_ENV: 'production',
      ...redis.env,
      GATEHOUSE_ISSUER: 'https://id.example.test',
      GATEHOUSE_KEYS: await testKeys(),
      GATEHOUSE_CONFIG: writeConfig({ storePrefix: `prod${process.pid}`, cookieKeys: ['k9V3q7ZfX2mW8rT1yL5pN0bH4cJ6dG'], audit: { stateDir: mkdtempSync(join(tmpdir(), 'gatehouse-state-')) } }),
    };
  });
  after(async () => {
    await redis?.stop();
  });

  it("refuses the dev file's development secrets as startup does, and applies nothing", async () => {
    const applied = await runCli(['config', 'apply', DEFAULT_CONFIG_PATH], production);
    assert.equal(applied.stdout, '', 'nothing applied');
    assert.equal(applied.code, 1, applied.stderr);
    assert.match(applied.stderr, /^gatehouse: refusing to apply in production: clients\[0\]\.clientSecret: a development or short secret; clients\[1\]\.clientSecret: /);
    const listed = await runCli(['client', 'list'], production);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /no clients/);
  });

  it('applies a file whose secrets are strong', async () => {
    const file = writeConfig({ clients: [{ clientId: 'ops', role: 'management', clientSecret: 'Qm4Tz8Lr2Vx6Np0Kc5Hs9Jd3Fw7Gb1Y', grantTypes: ['client_credentials'], scope: 'read:tenants' }] });
    const applied = await runCli(['config', 'apply', file], production);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^\+ client ops \(management\)$/m);
  });
});
