/**
 * Runs the demo tenant app on its own, next to a running Gatehouse:
 *
 *   npx tsx examples/tenant-app/main.ts [--port 4000] [--issuer http://localhost:3000] [--config config/gatehouse.dev.json]
 *
 * Environment (flags win): TENANT_APP_PORT, GATEHOUSE_ISSUER, GATEHOUSE_CONFIG (the same file
 * Gatehouse reads; the tenants, their domains and tenant clients are taken from it),
 * TENANT_APP_COOKIE_KEYS (comma-separated), TENANT_APP_PROXY=1 behind TLS offload,
 * TENANT_APP_RECHECK_SECONDS (the kit's recheckSeconds, default 30).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { recheckFromEnv, startTenantApp, tenantsFromConfig } from './index.js';

const USAGE = 'usage: tsx examples/tenant-app/main.ts [--port N] [--issuer URL] [--config FILE]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      issuer: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const env = process.env;
  const port = Number(values.port ?? env['TENANT_APP_PORT'] ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${values.port ?? env['TENANT_APP_PORT']}`);
  const issuer = values.issuer ?? env['GATEHOUSE_ISSUER'] ?? 'http://localhost:3000';
  const configPath = values.config ?? env['GATEHOUSE_CONFIG'] ?? new URL('../../config/gatehouse.dev.json', import.meta.url);
  const tenants = tenantsFromConfig(JSON.parse(readFileSync(configPath, 'utf8')));
  const cookieKeys = env['TENANT_APP_COOKIE_KEYS']?.split(',').filter(Boolean);
  const recheckSeconds = recheckFromEnv(env);

  const logger = pino({ name: 'tenant-app', level: env['LOG_LEVEL'] ?? 'info' });
  const app = await startTenantApp({
    issuer,
    port,
    tenants,
    consoleUrl: `${issuer.replace(/\/$/, '')}/admin`,
    logger,
    proxy: env['TENANT_APP_PROXY'] === '1',
    ...(cookieKeys?.length ? { cookieKeys } : {}),
    ...(recheckSeconds !== undefined ? { recheckSeconds } : {}),
  });
  process.stdout.write(`\nDemo tenant app (Gatehouse at ${issuer}):\n${app.options.sites.map((s) => `  ${s.name}: ${s.origin}/`).join('\n')}\n\n`);

  const shutdown = () => void app.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`tenant-app: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
