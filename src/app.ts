/**
 * Composes one Gatehouse process: headers, request ids, logging, our routes, then the
 * provider. Stateless: everything it remembers is in the store.
 */
import Koa from 'koa';
import helmet from 'koa-helmet';
import mount from 'koa-mount';
import Router from '@koa/router';
import { createAccounts } from './accounts/index.js';
import { resumePostedAction } from './console/pending-action.js';
import { consoleRoutes } from './console/routes.js';
import { consoleSessions } from './console/session.js';
import { archiveLog, checkpointKey, createAuditLog, createCheckpointer, type SignedCheckpoint } from './audit/index.js';
import { createBackchannelLogout, createNotifier } from './delivery/index.js';
import type { GatehouseConfig } from './config/index.js';
import { errorHandler, notFound, requestContext } from './http/middleware.js';
import { methodNotAllowed, validHost } from './http/guards.js';
import { publicOrigin } from './http/public-origin.js';
import { gatedRoutes } from './http/router-gate.js';
import { serveStatic } from './http/static.js';
import { passkeyInteractionRoutes } from './interactions/passkey.js';
import { interactionRoutes } from './interactions/routes.js';
import { createTokenVerifier, KeysError, loadSigningKeys } from './keys/index.js';
import { countActiveSessions, countStoreErrors, createMetrics, type Metrics, metricsRoute, recordRequests } from './metrics/index.js';
import { createLogger, type Logger } from './log.js';
import { accountKindOf } from './accounts/types.js';
import { answerStructuredTokens, createProvider, registerGrants, type AccountClaims } from './oidc/provider.js';
import { issueLogoutToken } from './oidc/logout-token.js';
import { findSession } from './impersonation/sessions.js';
import { createTicketSeal } from './impersonation/ticket-seal.js';
import { ticketsSealedWith } from './impersonation/tickets.js';
import { tokenExchangeGrant } from './exchange/index.js';
import { impersonationUserinfo, structuredTokenAnswers, tokenErrorExtras } from './exchange/token-endpoints.js';
import { observeProvider } from './oidc/events.js';
import { publicMetadataCaching } from './oidc/cache-control.js';
import { rfc6749Errors } from './oidc/wire-errors.js';
import type { Services } from './services.js';
import { createStore, waitForReady } from './store/index.js';
import { createLimiter } from './store/rate-limit.js';
import { selfServiceRoutes } from './self-service/routes.js';
import { transparencyRoutes } from './transparency/routes.js';
import { activityRoutes } from './tenant-api/activity.js';
import { createPasskeys } from './webauthn/index.js';
import { createDenialDigest } from './impersonation/denial-digest.js';
import { createDomainVerifier, createTenancy, createTenancySync, type TenancyView } from './tenancy/index.js';
import { manageRoutes } from './tenancy/manage/routes.js';

export interface AppOptions {
  logger?: Logger;
}

export interface GatehouseApp {
  app: Koa;
  services: Services;
  /** Prometheus metrics; served by `/metrics` (token) or `metricsServer` (`metrics.port`). */
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * Origins our pages may post forms to or be redirected to from a form (CSP form-action): the
 * tenants' verified domains and the clients' redirect URIs, as the runtime view has them now
 * (one string per configuration version).
 */
function formTargets(view: () => TenancyView): () => string {
  let built: { version: number; value: string } | undefined;
  return () => {
    const current = view();
    if (built?.version !== current.version) built = { version: current.version, value: current.formTargets.join(' ') };
    return built.value;
  };
}

export async function createApp(config: GatehouseConfig, options: AppOptions = {}): Promise<GatehouseApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const created = createStore(config.redis, {
    prefix: config.storePrefix,
    replicas: { replicaAcks: config.store.replicaAcks, timeoutMs: config.store.replicaTimeoutMs },
  });
  const { redis } = created;
  const metrics = createMetrics(() => countActiveSessions(created.store, sync.view().tenants));
  const store = countStoreErrors(created.store, (operation) => metrics.countStoreError(operation));
  if (redis) await waitForReady(redis, 10_000);
  // Runtime configuration (PROTOCOL §11): every hot path reads this in-process view.
  const sync = createTenancySync(store, { pollMs: config.tenancy.pollMs, logger: logger.child({ component: 'tenancy' }) });
  const signing = await loadSigningKeys({ keysSource: config.keysSource, production: config.production });
  if (!signing.auditKey) {
    throw new KeysError('keys_missing_alg', 'GATEHOUSE_KEYS has no Ed25519 key to sign audit checkpoints; add the one "gatehouse keys generate --audit" prints');
  }
  const auditKey = checkpointKey(signing.auditKey);
  const accounts = createAccounts(store, { argon2: config.policy.argon2 });

  const lookupAccount = async (id: string): Promise<AccountClaims | null> => {
    const kind = accountKindOf(id);
    if (kind === 'admin') {
      const a = await accounts.admins.findById(id);
      return a && { id: a.id, kind, email: a.email, name: a.name, disabled: a.disabled, ...(a.sessionsEndedAt ? { sessionsEndedAt: a.sessionsEndedAt } : {}) };
    }
    if (kind === 'user') {
      const u = await accounts.users.findById(id);
      return u && { id: u.id, kind, email: u.email, name: u.name, tenant: u.tenant, disabled: u.disabled, ...(u.sessionsEndedAt ? { sessionsEndedAt: u.sessionsEndedAt } : {}) };
    }
    return null;
  };

  const provider = createProvider({
    config,
    store,
    jwks: { keys: signing.keys },
    logger,
    lookupAccount,
    tenancy: { view: sync.view, checkClientSecret: (id, secret) => sync.view().checkSecret(id, secret) },
  });
  observeProvider(provider, logger);

  const notifier = createNotifier({
    webhooks: config.webhooks,
    queueConnection: config.redis,
    logger: logger.child({ component: 'webhooks' }),
    prefix: config.storePrefix,
  });
  await notifier.start();
  // Back-Channel Logout for every end of an impersonation session (its impersonation.ended event).
  const logouts = createBackchannelLogout({
    queueConnection: config.redis,
    prefix: config.storePrefix,
    logger: logger.child({ component: 'backchannel-logout' }),
    // A deleted client's logout URI too: its deletion is what ended the session.
    logoutUriOf: (clientId) => sync.view().logoutClient(clientId)?.backchannelLogoutUri,
    anyLogoutUri: () => sync.view().clients.some((c) => c.backchannelLogoutUri),
    findSession: (sid) => findSession(store, sid),
    issue: (clientId, claims) => issueLogoutToken(provider, clientId, claims),
  });
  const audit = createAuditLog(store, {
    logger: logger.child({ component: 'audit' }),
    onAppended: (event) => {
      metrics.countEvent(event);
      void logouts.notify(event);
      return notifier.notify(event);
    },
    // Every tenant that ever existed has its log, disabled ones too.
    tenants: () => sync.view().tenantIds,
    issuer: config.issuer,
    key: auditKey,
  });
  const tenancy = createTenancy({
    store,
    audit,
    sync,
    accounts,
    logger: logger.child({ component: 'tenancy' }),
    verifier: createDomainVerifier({
      timeoutMs: config.tenancy.domainVerification.timeoutMs,
      allowPrivateAddresses: config.tenancy.domainVerification.allowPrivateAddresses ?? !config.production,
      ...(config.tenancy.domainVerification.dnsServers ? { dnsServers: config.tenancy.domainVerification.dnsServers } : {}),
    }),
  });
  await tenancy.start();
  await seedConfiguration(config, tenancy, logger);
  const declaresAny = config.declared.tenants.length + config.declared.clients.length + config.declared.roles.length > 0;
  sync.onChange((view) => {
    void logouts.start().catch((err) => logger.error({ err }, 'could not start back-channel logout delivery'));
    // A store that lost its configuration (flushed, restored empty) gets the file's again, as on a first start.
    if (view.version === 0 && declaresAny) void seedConfiguration(config, tenancy, logger).catch((err) => logger.error({ err }, 'could not seed the configuration again'));
  });
  await logouts.start();
  const checkpoints = createCheckpointer({
    store,
    issuer: config.issuer,
    key: auditKey,
    logs: audit.logs,
    intervalSeconds: config.audit.checkpointSeconds,
    logger: logger.child({ component: 'audit' }),
    stateDir: config.audit.stateDir,
    audit,
    onCheckpoint: (checkpoint) => notifier.notify(checkpointNotice(checkpoint)),
    afterRound: archiveOldEntries(config, store, auditKey, audit.logs, logger),
  });
  checkpoints.start();

  const limits = config.policy.rateLimits;
  const services: Services = {
    config,
    tenancy,
    store,
    redis,
    logger,
    provider,
    accounts,
    lookupAccount,
    // WebAuthn L3 §7.1/§7.2: the expected origin and RP ID come from config, never from a request.
    passkeys: createPasskeys(store, { rpId: new URL(config.issuer).hostname, rpName: 'Gatehouse', origin: new URL(config.issuer).origin }),
    limiters: {
      loginPerAccount: createLimiter('login-account', limits.loginPerAccount, redis, config.storePrefix),
      loginPerIp: createLimiter('login-ip', limits.loginPerIp, redis, config.storePrefix),
      ticketsPerAdmin: createLimiter('tickets-admin', limits.ticketsPerAdmin, redis, config.storePrefix),
      accessCodesPerAdmin: createLimiter('access-codes-admin', limits.accessCodesPerAdmin, redis, config.storePrefix),
      enrollmentAttemptsPerLink: createLimiter('enrollment-link', limits.enrollmentAttemptsPerLink, redis, config.storePrefix),
      unknownTicketsPerClient: createLimiter('unknown-tickets-client', limits.unknownTicketsPerClient, redis, config.storePrefix),
    },
    denialDigest: createDenialDigest(store, audit, {
      windowSeconds: limits.unknownTicketsPerClient.duration,
      logger: logger.child({ component: 'denial-digest' }),
    }),
    audit,
    checkpoints,
    auditKey,
    notifier,
    tokenVerifier: createTokenVerifier({ issuer: config.issuer, keys: signing.keys }),
    tickets: ticketsSealedWith(createTicketSeal(config.cookieKeys)),
  };

  services.denialDigest.start();
  registerGrants(provider, [tokenExchangeGrant(services)]);
  answerStructuredTokens(provider, structuredTokenAnswers(services));
  provider.use(tokenErrorExtras());
  provider.use(rfc6749Errors(provider));
  provider.use(publicMetadataCaching());

  const app = new Koa();
  // Under koa-mount the outer app's keys and proxy are the ones that count (OIDC-PROVIDER-NOTES "Hosting").
  app.keys = config.cookieKeys;
  // PROTOCOL §10.4: believe exactly `trustProxy` hops of X-Forwarded-For (ctx.ip is the
  // address the outermost trusted proxy saw); nothing else is taken from X-Forwarded-*.
  app.proxy = config.trustProxy > 0;
  app.maxIpsCount = config.trustProxy;
  app.silent = true;

  app.use(recordRequests(metrics));
  app.use(requestContext(logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          formAction: ["'self'", formTargets(sync.view)],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      strictTransportSecurity: config.issuer.startsWith('https://'),
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(serveStatic());
  app.use(notFound());
  app.use(errorHandler());

  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  health.get('/readyz', async (ctx) => {
    try {
      await store.ping();
      // No tenants, clients or roles yet (the store lost them and they are being seeded again): not ready.
      if (sync.view().version === 0 && declaresAny) throw new Error('configuration not loaded');
      ctx.body = { status: 'ready', store: store.kind, keys: signing.keys.length };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', store: store.kind };
    }
  });
  app.use(gatedRoutes(health, { allowedMethods: false }));
  app.use(metricsRoute(metrics, config.metrics.token));
  app.use(validHost());
  app.use(publicOrigin(config));
  app.use(methodNotAllowed());
  const userinfo = impersonationUserinfo(services);
  app.use(gatedRoutes(userinfo, { allowedMethods: false }));
  // A console form that waited for a step-up is posted again with its kept fields (console/pending-action.ts).
  app.use(resumePostedAction(consoleSessions(services)));
  const routers = [transparencyRoutes(services), interactionRoutes(services), passkeyInteractionRoutes(services), ...consoleRoutes(services), ...selfServiceRoutes(services)];
  const tenantApi = activityRoutes(services);
  app.use(gatedRoutes(tenantApi));
  app.use(manageRoutes(services));
  for (const router of routers) app.use(gatedRoutes(router));
  app.use(mount(provider));

  return {
    app,
    services,
    metrics,
    async close() {
      await checkpoints.stop();
      await tenancy.stop();
      services.denialDigest.stop();
      await services.denialDigest.flush().catch((err) => logger.warn({ err }, 'could not append refusal counts at shutdown'));
      await logouts.close();
      await notifier.close();
      await store.close();
    },
  };
}

/**
 * The config file's tenants, clients and roles seed a store that never held configuration
 * (the first start; with the memory store, every start). Afterwards the store is the source
 * of truth: a file that says otherwise is reported, and `gatehouse config apply` applies it.
 */
async function seedConfiguration(config: GatehouseConfig, tenancy: Services['tenancy'], logger: Logger) {
  const { declared } = config;
  const seeded = await tenancy.bootstrap(declared);
  if (seeded) {
    if (seeded.applied) logger.info({ component: 'tenancy', changes: seeded.changes.length }, 'configuration seeded from the config file');
    return;
  }
  const drift = await tenancy.apply({ kind: 'cli' }, declared, { dryRun: true }).catch(() => null);
  if (drift?.changes.length) {
    logger.warn(
      { component: 'tenancy', changes: drift.changes.length, configPath: config.configPath },
      'the config file lists tenants, clients or roles that differ from the store; the store is in force (run "gatehouse config apply" to apply the file)',
    );
  }
}

/** The `audit.checkpoint` webhook's body. */
function checkpointNotice(checkpoint: SignedCheckpoint) {
  const { log, origin, size, root, note, time } = checkpoint;
  return { id: `checkpoint-${log}-${size}`, type: 'audit.checkpoint' as const, log, origin, size, rootHash: root.toString('base64'), checkpoint: note, time };
}

/**
 * Retention: with `audit.archiveDir`, the instance holding the checkpoint lease archives
 * entries older than `audit.retentionDays` (at most hourly), then they leave Redis.
 */
function archiveOldEntries(config: GatehouseConfig, store: Services['store'], key: Services['auditKey'], logs: () => string[], logger: Logger) {
  const dir = config.audit.archiveDir;
  let last = 0;
  return async () => {
    if (!dir || Date.now() - last < 3_600_000) return;
    last = Date.now();
    const cutoff = new Date(Date.now() - config.audit.retentionDays * 86_400_000);
    for (const log of logs()) {
      try {
        const result = await archiveLog(store, { log, issuer: config.issuer, key, dir, cutoff });
        if (result) logger.info({ component: 'audit', ...result }, 'audit entries archived');
      } catch (error) {
        logger.error({ component: 'audit', err: error, log }, 'audit archive failed; nothing was removed');
      }
    }
  };
}
