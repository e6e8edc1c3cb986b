/**
 * Builds the one typed, validated configuration object from the environment and the config
 * file (PROTOCOL §9). Invalid configuration stops startup with a message naming the field.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { PACKAGE_ROOT } from '../package-root.js';
import { demoPortFromEnv, followDevPorts } from './dev-ports.js';
import { type ClientConfig, configSchema, declarationSchema, type GatehouseFileConfig, type RoleConfig, type TenantConfig } from './schema.js';

/** The dev config shipped in the package's config/ (from src/ under tsx and from dist/src/ alike). */
export const DEFAULT_CONFIG_PATH = join(PACKAGE_ROOT, 'config', 'gatehouse.dev.json');

export interface RedisConnection {
  url?: string;
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  clusterNodes?: { host: string; port: number }[];
}

/**
 * The file's tenants, clients and roles: declarative input only (PROTOCOL §11). The store
 * seeded from them at the first start, and `gatehouse config apply`, make them the runtime
 * configuration; requests read that (`services.tenancy.view()`), never these.
 */
export interface DeclaredTenancy {
  tenants: TenantConfig[];
  clients: ClientConfig[];
  roles: RoleConfig[];
}

export interface GatehouseConfig extends Omit<GatehouseFileConfig, 'tenants' | 'clients' | 'roles'> {
  declared: DeclaredTenancy;
  issuer: string;
  port: number;
  production: boolean;
  /** null = the embedded memory store (dev only). */
  redis: RedisConnection | null;
  /** GATEHOUSE_KEYS: a path or the JWKS itself; null = generate dev keys. */
  keysSource: string | null;
  logLevel: string;
  configPath: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Values that mark a secret as a development one; production refuses them. */
export const isDevSecret = (value: string) => value.startsWith('dev-') || value.length < 16;

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
        '',
      );
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

/** Replaces `env:NAME` strings with the variable's value, anywhere in the tree. */
function resolveEnvRefs(value: unknown, env: NodeJS.ProcessEnv, path: string): unknown {
  if (typeof value === 'string' && value.startsWith('env:')) {
    const name = value.slice(4);
    const resolved = env[name];
    if (resolved === undefined || resolved === '') throw new ConfigError(`${path}: environment variable ${name} is not set`);
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvRefs(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, env, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

function parseHostList(value: string, variable: string): { host: string; port: number }[] {
  return value.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':');
    const n = Number(port);
    if (!host || !Number.isInteger(n) || n <= 0 || n > 65535) throw new ConfigError(`${variable}: "${entry}" is not host:port`);
    return { host, port: n };
  });
}

function redisFromEnv(env: NodeJS.ProcessEnv): RedisConnection | null {
  if (env.REDIS_CLUSTER_NODES) return { clusterNodes: parseHostList(env.REDIS_CLUSTER_NODES, 'REDIS_CLUSTER_NODES') };
  if (env.REDIS_SENTINELS) {
    if (!env.REDIS_SENTINEL_NAME) throw new ConfigError('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS');
    return { sentinels: parseHostList(env.REDIS_SENTINELS, 'REDIS_SENTINELS'), sentinelName: env.REDIS_SENTINEL_NAME };
  }
  if (env.REDIS_URL) {
    if (!/^rediss?:\/\//.test(env.REDIS_URL)) throw new ConfigError('REDIS_URL: must start with redis:// or rediss://');
    return { url: env.REDIS_URL };
  }
  return null;
}

/** PORT, and the issuer it gives when neither GATEHOUSE_ISSUER nor the file names one. */
function issuerFrom(env: NodeJS.ProcessEnv, resolved: unknown): { port: number; issuer: string } {
  const port = env.PORT === undefined ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT: must be a port number');
  const fileIssuer = (resolved as { issuer?: unknown } | null)?.issuer;
  const issuer = (env.GATEHOUSE_ISSUER ?? (typeof fileIssuer === 'string' ? fileIssuer : undefined) ?? `http://localhost:${port}`).replace(/\/$/, '');
  // A file issuer that is no URL is the schema's to report, naming its field.
  if (!URL.canParse(issuer) && env.GATEHOUSE_ISSUER !== undefined) throw new ConfigError('GATEHOUSE_ISSUER: must be a URL');
  return { port, issuer };
}

/** Outside production, the file's URLs on the dev ports follow the issuer and GATEHOUSE_DEMO_PORT (dev-ports.ts). */
function followingDevPorts<T>(resolved: T, env: NodeJS.ProcessEnv, issuer: string): T {
  if (env.NODE_ENV === 'production' || !URL.canParse(issuer)) return resolved;
  const demoPort = demoPortFromEnv(env);
  if (demoPort === null) throw new ConfigError('GATEHOUSE_DEMO_PORT: must be a port number');
  return followDevPorts(resolved, issuer, demoPort);
}

/** Parses and validates a config object (already read from a file). */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, configPath = '(inline)'): GatehouseConfig {
  const production = env.NODE_ENV === 'production';
  const envResolved = resolveEnvRefs(raw, env, '');
  const { port, issuer } = issuerFrom(env, envResolved);
  const issuerIsUrl = URL.canParse(issuer);
  const resolved = followingDevPorts(envResolved, env, issuer);
  const result = configSchema.safeParse(resolved);
  if (!result.success) throw new ConfigError(`invalid config ${configPath}: ${formatIssues(result.error)}`);
  const { tenants, clients, roles, ...file } = result.data;
  if (!issuerIsUrl) throw new ConfigError('GATEHOUSE_ISSUER: must be a URL');
  const config: GatehouseConfig = {
    ...file,
    declared: { tenants, clients, roles },
    issuer,
    port,
    production,
    redis: redisFromEnv(env),
    keysSource: env.GATEHOUSE_KEYS ?? null,
    logLevel: env.LOG_LEVEL ?? (production ? 'info' : 'info'),
    configPath,
  };
  if (production) assertProductionSafe(config);
  return config;
}

/** NODE_ENV=production refuses the memory store, dev keys, dev secrets and the seed (PROTOCOL §9). */
function assertProductionSafe(config: GatehouseConfig) {
  const problems: string[] = [];
  if (!config.redis) problems.push('no store configured (set REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES); the memory store is for development only');
  if (!config.keysSource) problems.push('GATEHOUSE_KEYS is not set; generated keys are for development only');
  if (config.seed) problems.push('seed: demo accounts are refused in production');
  if (config.redis && !config.audit.stateDir) {
    problems.push('audit.stateDir: required in production, a directory every instance shares that a Redis rollback cannot reach (checkpoints never go back)');
  }
  if (!config.issuer.startsWith('https://')) problems.push('GATEHOUSE_ISSUER: must be https in production');
  config.cookieKeys.forEach((k, i) => {
    if (isDevSecret(k)) problems.push(`cookieKeys[${i}]: a development or short secret`);
  });
  problems.push(...devClientSecrets(config.declared.clients));
  config.webhooks.forEach((w, i) => {
    if (w.secret && isDevSecret(w.secret)) problems.push(`webhooks[${i}].secret: a development or short secret`);
  });
  if (config.metrics.token && isDevSecret(config.metrics.token)) problems.push('metrics.token: a development or short secret');
  if (config.tenancy.domainVerification.allowPrivateAddresses) {
    problems.push('tenancy.domainVerification.allowPrivateAddresses: domain checks may not reach private addresses in production');
  }
  if (problems.length) throw new ConfigError(`refusing to start in production: ${problems.join('; ')}`);
}

/** The clients whose secret production refuses, one problem each. */
function devClientSecrets(clients: readonly ClientConfig[]): string[] {
  return clients.flatMap((c, i) => (c.clientSecret && isDevSecret(c.clientSecret) ? [`clients[${i}].clientSecret: a development or short secret`] : []));
}

/**
 * The tenants, clients and roles a file declares (`gatehouse config apply FILE`): a whole
 * config file, or one holding only those; `env:NAME` secrets are resolved as at startup, and
 * production refuses development secrets as startup does.
 */
export function loadDeclaration(path: string, env: NodeJS.ProcessEnv = process.env): DeclaredTenancy {
  const configPath = resolve(path);
  const raw = readJson(configPath);
  const picked = raw && typeof raw === 'object' ? { tenants: (raw as DeclaredTenancy).tenants, clients: (raw as DeclaredTenancy).clients, roles: (raw as DeclaredTenancy).roles } : raw;
  // As at startup: the dev file's URLs follow PORT and GATEHOUSE_DEMO_PORT outside production.
  const resolved = followingDevPorts(resolveEnvRefs(picked, env, ''), env, issuerFrom(env, raw).issuer);
  const result = declarationSchema.safeParse(resolved);
  if (!result.success) throw new ConfigError(`invalid config ${configPath}: ${formatIssues(result.error)}`);
  const problems = env.NODE_ENV === 'production' ? devClientSecrets(result.data.clients) : [];
  if (problems.length) throw new ConfigError(`refusing to apply in production: ${problems.join('; ')}`);
  return result.data;
}

function readJson(configPath: string): unknown {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${configPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${configPath} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Loads the config named by GATEHOUSE_CONFIG (default: the dev config in config/). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatehouseConfig {
  const configPath = resolve(env.GATEHOUSE_CONFIG ?? DEFAULT_CONFIG_PATH);
  return parseConfig(readJson(configPath), env, configPath);
}
