/**
 * Entry point: load config, build the app, seed the dev demo, listen, shut down gracefully.
 */
import './heap.js';
import type { Server } from 'node:http';
import { seedAccounts } from './accounts/seed.js';
import { seedEnrollmentLinks } from './enrollment/seed.js';
import { createApp } from './app.js';
import { ConfigError, demoPortFromEnv, type GatehouseConfig, loadConfig } from './config/index.js';
import { demoBanner } from './dev/demo-banner.js';
import { movesFor, portTakenMessage, type TakenPort } from './dev/port-advice.js';
import { createLogger, prettyDestination } from './log.js';
import { metricsServer } from './metrics/index.js';

async function main() {
  let config: GatehouseConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gatehouse: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // Pretty, short lines for a person at a terminal in dev; JSON lines for everything else.
  const pretty = !config.production && process.stdout.isTTY === true;
  const logger = createLogger(config.logLevel, pretty ? await prettyDestination() : undefined);
  const gatehouse = await createApp(config, { logger });
  if (config.seed) await seedAccounts(gatehouse.services.accounts, config.seed);
  const enrollmentLinks = config.production ? new Map() : await seedEnrollmentLinks(gatehouse.services, config.seed);

  // The demo tenant apps (acme, globex and wonka on *.localhost:<GATEHOUSE_DEMO_PORT>) run beside Gatehouse in dev.
  const demoTenants = !config.production && config.seed && process.env.GATEHOUSE_DEMO_APP !== 'off' ? await demoTenantsOf(config) : undefined;
  const demoPort = demoTenants?.[0] ? Number(new URL(demoTenants[0].origin).port || 80) : undefined;
  // Does the issuer follow PORT? Then another PORT moves everything (src/config/dev-ports.ts).
  const issuerFollowsPort = !config.production && process.env.GATEHOUSE_ISSUER === undefined && config.issuer === `http://localhost:${config.port}`;

  const server: Server = gatehouse.app.listen(config.port);
  const listenError = await listening(server);
  if (listenError) {
    const moves = await movesFor({ gatehousePort: config.port, issuerFollowsPort, ...(demoPort !== undefined ? { demoPort } : {}) });
    return fail(listenError, { port: config.port, what: 'Gatehouse', instead: commandWith(moves) }, gatehouse);
  }
  // Prometheus on a port of its own (config metrics.port), without the token.
  let metricsHttp: Server | undefined;
  if (config.metrics.port !== undefined) {
    metricsHttp = metricsServer(gatehouse.metrics).listen(config.metrics.port);
    const metricsError = await listening(metricsHttp);
    if (metricsError) {
      server.close();
      return fail(metricsError, { port: config.metrics.port, what: 'the metrics endpoint', instead: {} }, gatehouse);
    }
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let demo: { close(): Promise<void> } | Error | undefined;
  if (demoTenants && demoPort !== undefined) {
    const { recheckFromEnv, startTenantApp } = await import('../examples/tenant-app/index.js');
    const recheckSeconds = recheckFromEnv(process.env);
    demo = await startTenantApp({
      issuer: config.issuer,
      port: demoPort,
      tenants: demoTenants,
      consoleUrl: `${config.issuer}/admin`,
      logger: logger.child({ name: 'tenant-app' }),
      ...(recheckSeconds !== undefined ? { recheckSeconds } : {}),
    }).catch((err: NodeJS.ErrnoException) => err);
    // Never "running" without the demo it promised: say what to run instead.
    if (demo instanceof Error) {
      server.close();
      const moves = demoPort === demoPortFromEnv(process.env) ? await movesFor({ demoPort, issuerFollowsPort }) : {};
      return fail(demo, { port: demoPort, what: 'the demo tenant app', instead: commandWith(moves) }, gatehouse);
    }
  }
  // Only now, with everything it promised listening, does it say so.
  logger.info({ issuer: config.issuer, port, store: gatehouse.services.store.kind }, 'gatehouse listening');
  if (!config.production) process.stdout.write(await demoBanner(config, gatehouse.services, Boolean(demo), enrollmentLinks));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Stop accepting, let in-flight requests finish (bounded), then release the store.
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    server.close();
    server.closeIdleConnections();
    metricsHttp?.close();
    if (demo && !(demo instanceof Error)) await demo.close();
    await gatehouse.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Resolves once the server listens, or with the error that kept it from listening. */
function listening(server: Server): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    server.once('listening', () => resolve(undefined));
    server.once('error', resolve);
  });
}

/** One line on stderr saying what is wrong and what to run instead, then exit 1. */
async function fail(err: NodeJS.ErrnoException, taken: TakenPort, gatehouse: { close(): Promise<void> }) {
  const reason = err.code === 'EADDRINUSE' ? portTakenMessage(taken) : `${taken.what} cannot listen on port ${taken.port}: ${err.message}`;
  process.stderr.write(`gatehouse: ${reason}\n`);
  await gatehouse.close().catch(() => undefined);
  process.exit(1);
}

/**
 * The ports to run on instead: the moves, with the ports the user set kept (they may have
 * typed them on the command line, which the advice replaces). Nothing when nothing moves.
 */
function commandWith(moves: Record<string, number>): Record<string, number> {
  if (Object.keys(moves).length === 0) return {};
  const kept: Record<string, number> = {};
  for (const name of ['PORT', 'GATEHOUSE_DEMO_PORT']) {
    const value = Number(process.env[name]);
    if (process.env[name] && Number.isInteger(value)) kept[name] = value;
  }
  const merged = { ...kept, ...moves };
  return Object.fromEntries(['PORT', 'GATEHOUSE_DEMO_PORT'].flatMap((name) => (merged[name] === undefined ? [] : [[name, merged[name]]])));
}

/** The demo app's sites: one per tenant domain the file declares, with the client secrets only the file holds. */
async function demoTenantsOf(config: GatehouseConfig) {
  const { tenantsFromConfig } = await import('../examples/tenant-app/index.js');
  return tenantsFromConfig(config.declared);
}

main().catch((err) => {
  process.stderr.write(`gatehouse: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
