/**
 * The configuration schema: every option, its default and why. docs/configuration.md
 * mirrors this file; change both together.
 */
import { z } from 'zod';
import { auditEventTypes, notificationTypes, SYSTEM_LOG } from '../audit/events.js';
import { checkFreeText, type FreeTextRule, NAME_RULE, TEAM_LABEL_RULE } from '../text/free-text.js';

/** A tenant's custom domain as an origin (scheme://host[:port]), as the file and the management API take it. */
export const originSchema = z
  .string()
  .url()
  // canParse first: zod 4 runs this refinement even when .url() has already failed.
  .refine((v) => URL.canParse(v) && new URL(v).origin === v, 'must be an origin: scheme://host[:port] with no path or trailing slash');

/** A secret given inline or as `env:NAME` (resolved at load time, so the file can be committed). */
const secret = z.string().min(1);

/**
 * PROTOCOL §10.4: `true` used to trust every X-Forwarded-For entry, including the ones a
 * client writes itself (a forged IP, a bypassed per-IP limit); it is refused with what to
 * write instead. `false` still means 0.
 */
const proxyHops = z.unknown().default(0).transform((value, ctx): number => {
  if (value === undefined || value === false) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 16) return value;
  ctx.addIssue({
    code: 'custom',
    message:
      value === true
        ? 'trustProxy is the number of proxy hops in front of Gatehouse whose X-Forwarded-For entries are believed (e.g. 1 for one load balancer); true would believe entries a client writes itself'
        : 'trustProxy must be a number of proxy hops from 0 to 16 (e.g. 1 for one load balancer)',
  });
  return z.NEVER;
});

/**
 * What a webhook announces unless it lists its own events: impersonations starting and
 * ending, and every change to an admin's passkeys (PROTOCOL §3.1: a step-up is only as
 * strong as passkey enrollment, so enrollment is announced too).
 */
export const DEFAULT_WEBHOOK_EVENTS = [
  'support_access.requested',
  // PROTOCOL §11: a change to what protects a tenant's users is announced like an impersonation.
  'tenant.protection_changed',
  'impersonation.started',
  'impersonation.ended',
  'admin.enrollment_link_issued',
  'admin.passkey_registered',
  'admin.passkey_removed',
] as const;

/** No impersonation session lasts longer than this, whatever a tenant configures (PROTOCOL §5). */
export const IMPERSONATION_HARD_CAP_SECONDS = 8 * 3600;

const rateLimit = z.object({
  /** How many attempts are allowed in one window. */
  points: z.number().int().positive(),
  /** The window in seconds. */
  duration: z.number().int().positive(),
});

/** Text from people in the config (names, labels) under the one free-text rule (PROTOCOL §10.7); trimmed. */
const freeText = (rule: FreeTextRule) =>
  z.string().transform((value, ctx) => {
    const checked = checkFreeText(value, rule);
    if (checked.ok) return checked.text;
    ctx.addIssue({ code: 'custom', message: checked.message });
    return z.NEVER;
  });
/** A seed account's, tenant's or client's display name, under the rule the accounts apply. */
const displayName = freeText(NAME_RULE);

/** A tenant's id: it names its users' tenant, its audit log and its Cluster hash tags. */
export const tenantIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

/**
 * Everything about a tenant but its domains: what the config file and the management API
 * (PROTOCOL §11) both validate with, so one tenant means the same from either.
 */
export const tenantSettingsSchema = z.object({
  id: tenantIdSchema,
  name: displayName,
  /** Where the tenant app receives tickets (PROTOCOL §3.3). */
  redeemPath: z.string().startsWith('/').default('/impersonate'),
  /** `form_post` keeps tickets out of URLs; `query` only for apps that can only take GET. */
  ticketDelivery: z.enum(['form_post', 'query']).default('form_post'),
  /**
   * `none`: support may act without asking; `opt-in`: the user must allow it; `access-code`:
   * the user must hand over a code; `approval`: the admin files an access request that the
   * user (or one of `approvers`) approves on /account, good for one ticket (PROTOCOL §5;
   * anchors: Customer Lockbox, Access Approval).
   */
  consent: z.enum(['none', 'opt-in', 'access-code', 'approval']).default('none'),
  /**
   * Emails of this tenant's users who may approve or deny any access request for a user of
   * the tenant (besides that user), e.g. the customer's IT admins. `approval` tenants only.
   */
  approvers: z.array(z.string().email().transform((e) => e.toLowerCase())).default([]),
  /**
   * The two-person rule for every user of the tenant (it always holds for users marked
   * `sensitive`): a second admin, freshly stepped up, approves before the mint.
   */
  requireSecondAdmin: z.boolean().default(false),
  impersonation: z
    .object({
      /** Longest impersonation session; hard cap 8 h. */
      maxSeconds: z.number().int().min(60).max(IMPERSONATION_HARD_CAP_SECONDS).default(3600),
      /** Used when the console asks for no duration. */
      defaultSeconds: z.number().int().min(60).max(IMPERSONATION_HARD_CAP_SECONDS).default(1800),
      /** Scopes an impersonation token may carry. */
      scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
    })
    .default({ maxSeconds: 3600, defaultSeconds: 1800, scopes: ['openid', 'profile', 'email'] })
    .refine((v) => v.defaultSeconds <= v.maxSeconds, { message: 'must not exceed maxSeconds', path: ['defaultSeconds'] }),
  /** What a replayed ticket does to the session the first presentation started. */
  onReplay: z.enum(['revoke', 'audit']).default('revoke'),
  /**
   * How the tenant's apps may name the support admin (`impersonation.actor_display` in the token
   * and at introspection): `name` ("Alice Admin (support)"), `email` ("alice@… (support)") or
   * `team` (only the label).
   */
  showAdminAs: z.enum(['name', 'email', 'team']).default('name'),
  /** The support team as the tenant's users see it, after the name or alone. */
  supportTeamLabel: freeText(TEAM_LABEL_RULE).default('support'),
});

export const tenantSchema = tenantSettingsSchema.extend({
  /**
   * The tenant's custom domains (origins). Tickets are minted for one of them (PROTOCOL §3.2).
   * Listed here by the operator, they count as verified; added at runtime, they are pending
   * until their owner proves control (PROTOCOL §11).
   */
  domains: z.array(originSchema).min(1),
});

/**
 * Scopes of the management API (PROTOCOL §11): `manage:*` changes, `read:*` only reads, each
 * for one kind of resource. A `management` client asks for them with client credentials.
 */
export const MANAGE_SCOPES = ['manage:tenants', 'manage:clients', 'manage:roles', 'read:tenants', 'read:clients', 'read:roles'] as const;

/**
 * Every scope a client may be given (the provider's `scopes`): OpenID Connect's, `audit:read`
 * for a tenant client reading its tenant's audit log, and the management API's.
 */
export const CLIENT_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'audit:read', ...MANAGE_SCOPES] as const;

/** http(s) only: an OAuth redirect to another scheme is out of this provider's business. */
const webUrl = z
  .string()
  .url()
  .max(2000)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol) && !v.includes('#'), 'must be an http(s) URL without a fragment');

export const clientFieldsSchema = z.object({
  clientId: z.string().regex(/^[A-Za-z0-9._-]{3,100}$/),
  name: displayName.optional(),
  /**
   * Absent for a public client (PKCE S256 then its proof): only a tenant client with neither
   * client_credentials nor token exchange may be one (secretNeed). `config apply` keeps the
   * stored secret of a client listed without one.
   */
  clientSecret: secret.optional(),
  /**
   * `support-console` may mint tickets; `tenant` logs in its tenant's users and redeems
   * tickets; `management` calls the management API (PROTOCOL §11) with client credentials.
   */
  role: z.enum(['tenant', 'support-console', 'management']),
  tenant: z.string().optional(),
  redirectUris: z.array(webUrl).max(50).default([]),
  postLogoutRedirectUris: z.array(webUrl).max(50).default([]),
  grantTypes: z
    .array(
      z.enum([
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ]),
    )
    .default(['authorization_code', 'refresh_token']),
  scope: z
    .string()
    .max(1000)
    .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'space-separated scope tokens (RFC 6749 §3.3)')
    .default('openid profile email offline_access'),
  /**
   * OpenID Connect Back-Channel Logout 1.0 §2.2: where Gatehouse posts a logout token when
   * a session of this client ends (every end of an impersonation it redeemed, and sign-outs
   * at Gatehouse). http(s), no fragment. Absent: no back-channel logout for this client.
   */
  backchannelLogoutUri: webUrl.optional(),
});

/** The rules between a client's fields, apart so that the API can pick fields from the object. */
export function checkClientRoles(c: { role: string; tenant?: string | undefined; grantTypes: string[]; scope: string }, ctx: z.RefinementCtx) {
  if ((c.role === 'tenant') !== Boolean(c.tenant)) {
    ctx.addIssue({ code: 'custom', path: ['tenant'], message: 'a tenant client names its tenant; a support-console or management client names none' });
  }
  if (c.role !== 'management') {
    // The management API's scopes belong to management clients alone.
    const manage = c.scope.split(' ').filter((s) => (MANAGE_SCOPES as readonly string[]).includes(s));
    if (manage.length) ctx.addIssue({ code: 'custom', path: ['scope'], message: `only a management client may hold ${manage.join(', ')}` });
    return;
  }
  // A management client only ever holds client credentials for the management API.
  if (c.grantTypes.length !== 1 || c.grantTypes[0] !== 'client_credentials') {
    ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: 'a management client uses client_credentials only' });
  }
  const outside = c.scope.split(' ').filter((s) => !(MANAGE_SCOPES as readonly string[]).includes(s));
  if (outside.length) ctx.addIssue({ code: 'custom', path: ['scope'], message: `a management client's scopes are ${MANAGE_SCOPES.join(', ')}` });
}

/**
 * Grants in which the client authenticates with nothing but its secret: client credentials
 * (RFC 6749 §4.4: confidential clients only) and token exchange (RFC 8693: minting and
 * redeeming tickets). A client without a secret never holds them.
 */
export const SECRET_GRANT_TYPES: readonly string[] = ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'];

/**
 * Why a client must have a secret, if it must: a management or support-console client
 * always (they manage, or mint), a tenant client when it holds a grant of SECRET_GRANT_TYPES.
 * Only a tenant client with the code flow alone may be public (PKCE S256 then its proof).
 */
export function secretNeed(c: { role: string; grantTypes: readonly string[] }): string | undefined {
  if (c.role !== 'tenant') return `a ${c.role} client needs a secret (RFC 6749 §2.1: it is a confidential client)`;
  const grant = c.grantTypes.find((g) => SECRET_GRANT_TYPES.includes(g));
  return grant ? `the ${grant} grant needs a secret (RFC 6749 §4.4: confidential clients only)` : undefined;
}

/** A client in a file: the secret its role or grants need is there. */
function checkClientSecret(c: { role: string; grantTypes: string[]; clientSecret?: string | undefined }, ctx: z.RefinementCtx) {
  const need = c.clientSecret === undefined ? secretNeed(c) : undefined;
  if (need) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: need });
}

/** A client as a config file declares it (the API's clients get generated secrets: input.ts). */
export const clientSchema = clientFieldsSchema.superRefine(checkClientRoles).superRefine(checkClientSecret);

export const roleSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dots, dashes and underscores'),
  /** Tenants this role may impersonate users of: a list of tenant ids or `*`. */
  tenants: z.union([z.literal('*'), z.array(z.string())]).default([]),
  /** Whether users marked `sensitive` may be impersonated. */
  sensitive: z.boolean().default(false),
  /**
   * Whether the role may manage other admins in the console (PROTOCOL §3.1, §10.1): issue
   * passkey enrollment links, disable and enable admins, change their roles. Each such
   * change also needs a fresh passkey step-up.
   */
  manageAdmins: z.boolean().default(false),
  /** Whether the role may disable and enable users of the tenants it covers, from the console. */
  manageUsers: z.boolean().default(false),
  /**
   * Whether the role may manage tenants, their domains and clients from the console
   * (`/admin/tenants`, PROTOCOL §11), each change after a fresh passkey step-up.
   */
  manageTenants: z.boolean().default(false),
});

export const webhookSchema = z.object({
  url: z.string().url(),
  /** Event types to send, or `*` (every event type); `audit.checkpoint` for new signed checkpoints. */
  events: z
    .array(z.union([z.literal('*'), z.enum([...auditEventTypes, ...notificationTypes])]))
    .default([...DEFAULT_WEBHOOK_EVENTS]),
  format: z.enum(['slack', 'json']).default('json'),
  secret: secret.optional(),
});


const seedSchema = z.object({
  admins: z
    .array(
      z.object({
        email: z.string().email(),
        name: displayName,
        password: z.string().min(8),
        roles: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  users: z
    .array(
      z.object({
        tenant: z.string(),
        email: z.string().email(),
        name: displayName,
        password: z.string().min(8),
        sensitive: z.boolean().default(false),
      }),
    )
    .default([]),
});

/** OWASP Password Storage Cheat Sheet (2024): argon2id, m=19 MiB, t=2, p=1 as the minimum. */
const argon2Schema = z
  .object({
    memoryCost: z.number().int().min(8192).default(19456),
    timeCost: z.number().int().min(1).default(2),
    parallelism: z.number().int().min(1).default(1),
  })
  .default({ memoryCost: 19456, timeCost: 2, parallelism: 1 });

/** Prometheus `GET /metrics`: off unless a port or a token is given (both may be). */
export const metricsSchema = z
  .object({
    /** A separate port that serves only `/metrics`, without a token: keep it on an internal network. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Serve `/metrics` on the main port to requests with `Authorization: Bearer <token>`. */
    token: secret.optional(),
  })
  .default({});

export const policySchema = z
  .object({
    /** Ticket lifetime in seconds (PROTOCOL §3.2): default 60, at most 300. */
    ticketTtl: z.number().int().min(1).max(300).default(60),
    /** How fresh the admin's passkey assertion must be to mint (seconds). */
    stepUpMaxAge: z.number().int().min(1).max(3600).default(300),
    /**
     * How long a passkey enrollment link stays usable, seconds (PROTOCOL §10.1): default
     * 24 h, at least 5 minutes, at most 7 days.
     */
    passkeyEnrollmentTtl: z.number().int().min(300).max(7 * 86400).default(86400),
    /** Seconds an access request waits for its answers before it expires (PROTOCOL §5 `approvalTtl`): default 1 h. */
    approvalTtl: z.number().int().min(60).max(7 * 86400).default(3600),
    /** Seconds an approved access request stays good for its one ticket (`approvalWindow`): default 15 min. */
    approvalWindow: z.number().int().min(60).max(86400).default(900),
    /** Support access code lifetime in seconds. */
    accessCodeTtl: z.number().int().min(60).max(86400).default(900),
    /** Access token lifetime for ordinary (non-impersonation) tokens. */
    accessTokenTtl: z.number().int().min(60).max(86400).default(600),
    refreshTokenTtl: z.number().int().min(300).default(14 * 86400),
    sessionTtl: z.number().int().min(300).default(14 * 86400),
    /** Most entries one activity report (`POST /impersonation/activity`) may carry; the RP kit sends at most 50. */
    activityPerBatch: z.number().int().min(50).max(500).default(100),
    /** Most activity entries kept per impersonation session; reports past it are refused. */
    activityPerSession: z.number().int().min(100).max(10_000).default(1000),
    rateLimits: z
      .object({
        loginPerAccount: rateLimit.default({ points: 5, duration: 900 }),
        loginPerIp: rateLimit.default({ points: 100, duration: 900 }),
        ticketsPerAdmin: rateLimit.default({ points: 20, duration: 600 }),
        accessCodesPerAdmin: rateLimit.default({ points: 5, duration: 900 }),
        /** Wrong passwords on one enrollment link: at the default, 5 for the link's whole life. */
        enrollmentAttemptsPerLink: rateLimit.default({ points: 5, duration: 86400 }),
        /** Redemptions of unknown tickets by one client before 429 slow_down (PROTOCOL §4). */
        unknownTicketsPerClient: rateLimit.default({ points: 30, duration: 60 }),
      })
      .default({
        loginPerAccount: { points: 5, duration: 900 },
        loginPerIp: { points: 100, duration: 900 },
        ticketsPerAdmin: { points: 20, duration: 600 },
        accessCodesPerAdmin: { points: 5, duration: 900 },
        enrollmentAttemptsPerLink: { points: 5, duration: 86400 },
        unknownTicketsPerClient: { points: 30, duration: 60 },
      }),
    argon2: argon2Schema,
  })
  .prefault({});

/** The audit trail's transparency logs (PROTOCOL §6). */
export const auditSchema = z
  .object({
    /** Seconds between signed checkpoints of each log that grew (C2SP tlog-checkpoint). */
    checkpointSeconds: z.number().int().min(1).max(86400).default(60),
    /**
     * Days an event stays in Redis. Older ones leave only once archived (`archiveDir`, or
     * `gatehouse audit archive`); without an archive nothing is ever deleted.
     */
    retentionDays: z.number().int().min(1).default(365),
    /** Where the instance issuing checkpoints writes archives before trimming; shared by all instances. */
    archiveDir: z.string().min(1).optional(),
    /**
     * The checkpoint memory (PROTOCOL §6 "checkpoints never go back"): a directory every
     * instance and the CLI share (a volume), kept across restarts and out of reach of
     * whoever can write to Redis, where the last checkpoint signed for each log is kept.
     * Required in production with Redis; unset elsewhere, each process remembers only what
     * it signed itself. See docs/audit.md "The checkpoint memory".
     */
    stateDir: z.string().min(1).optional(),
  })
  .prefault({});

/**
 * The rules between a file's tenants, clients and roles (references, reserved ids, a domain
 * or a client listed twice): for the whole config file, and for a file that `gatehouse
 * config apply` reads for those alone.
 */
export function checkDeclared(cfg: { tenants: TenantConfig[]; clients: ClientConfig[]; roles: RoleConfig[] }, ctx: z.RefinementCtx) {
    const tenantIds = new Set(cfg.tenants.map((t) => t.id));
    cfg.clients.forEach((c, i) => {
      if (c.tenant && !tenantIds.has(c.tenant)) {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'tenant'], message: `unknown tenant "${c.tenant}"` });
      }
    });
    cfg.roles.forEach((r, i) => {
      if (Array.isArray(r.tenants)) {
        r.tenants.forEach((t, j) => {
          if (!tenantIds.has(t)) {
            ctx.addIssue({ code: 'custom', path: ['roles', i, 'tenants', j], message: `unknown tenant "${t}"` });
          }
        });
      }
    });
    cfg.tenants.forEach((t, i) => {
      if (t.id === SYSTEM_LOG) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `"${SYSTEM_LOG}" is reserved for the audit log of events without a tenant` });
    });
    const seenDomains = new Map<string, string>();
    cfg.tenants.forEach((t, i) => {
      t.domains.forEach((d, j) => {
        // One host, one tenant, whatever the scheme (PROTOCOL §11: a host is proven once).
        const host = URL.canParse(d) ? new URL(d).host : d;
        const other = seenDomains.get(host);
        if (other) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'domains', j], message: `${d} already belongs to tenant "${other}"` });
        seenDomains.set(host, t.id);
      });
    });
    const seenClients = new Set<string>();
    cfg.clients.forEach((c, i) => {
      if (seenClients.has(c.clientId)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'clientId'], message: `duplicate client "${c.clientId}"` });
      seenClients.add(c.clientId);
    });
}

/** Runtime configuration of tenants, domains, clients and roles (PROTOCOL §11). */
export const tenancySchema = z
  .object({
    /**
     * Milliseconds between each instance's checks of the configuration's version: the
     * fallback for a lost pub/sub message, which keeps every instance within 1 s of a change.
     */
    pollMs: z.number().int().min(50).max(900).default(250),
    /** Proving control of a custom domain (`/.well-known/gatehouse-domain-verification` or DNS TXT). */
    domainVerification: z
      .object({
        /** How long one check may take, connection and answer together. */
        timeoutMs: z.number().int().min(100).max(10_000).default(3000),
        /**
         * Whether the HTTP check may reach loopback, private and link-local addresses (default:
         * only outside production, where `*.localhost` test servers are loopback). Production
         * refuses `true`: the check must not become a way to probe the internal network.
         */
        allowPrivateAddresses: z.boolean().optional(),
        /** DNS servers for the TXT check (`host:port`); the system's when absent. */
        dnsServers: z.array(z.string().min(1)).max(8).optional(),
      })
      .prefault({}),
  })
  .prefault({});

export const configSchema = z
  .object({
    /** Notes for people reading the file (JSON has no comments); ignored. */
    $comment: z.union([z.string(), z.array(z.string())]).optional(),
    /** The issuer; GATEHOUSE_ISSUER overrides it. */
    issuer: z.string().url().optional(),
    /**
     * How many proxy hops in front of Gatehouse are believed (Koa `maxIpsCount`): the
     * client IP is the X-Forwarded-For entry that many hops from the right, the one the
     * outermost trusted proxy saw. 0 ignores X-Forwarded-For. Behind one load balancer: 1.
     */
    trustProxy: proxyHops,
    /** Redis key prefix, so several deployments can share one Redis. */
    storePrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('gh'),
    /**
     * Durability of the writes security depends on (docs/operating.md "What a failover can lose"):
     * how many replicas must acknowledge them (Redis WAIT) before Gatehouse answers.
     */
    store: z
      .object({
        /** `auto`: 1 when the master has a replica connected, else 0; or a number (0 = never wait). */
        replicaAcks: z.union([z.literal('auto'), z.number().int().min(0).max(16)]).default('auto'),
        /** How long to wait for them; past it the request fails with 503 (fail closed). */
        replicaTimeoutMs: z.number().int().min(10).max(10_000).default(1000),
      })
      .prefault({}),
    /** Keys that sign cookies; the first signs, all verify (rotation). */
    cookieKeys: z.array(secret).min(1),
    /**
     * Tenants, clients and roles: declarative input, applied to the store when it holds no
     * configuration yet (the first start) and by `gatehouse config apply`. At runtime the
     * store is the source of truth (PROTOCOL §11); editing these needs `config apply`.
     */
    tenants: z.array(tenantSchema).default([]),
    clients: z.array(clientSchema).default([]),
    roles: z.array(roleSchema).default([]),
    tenancy: tenancySchema,
    policy: policySchema,
    webhooks: z.array(webhookSchema).default([]),
    audit: auditSchema,
    /** Demo accounts, created at start when missing. Refused in production. */
    seed: seedSchema.optional(),
    metrics: metricsSchema,
  })
  .superRefine((cfg, ctx) => {
    checkDeclared(cfg, ctx);
    const tenantIds = new Set(cfg.tenants.map((t) => t.id));
    const roleNames = new Set(cfg.roles.map((r) => r.name));
    cfg.seed?.admins.forEach((a, i) => {
      a.roles.forEach((r, j) => {
        if (!roleNames.has(r)) ctx.addIssue({ code: 'custom', path: ['seed', 'admins', i, 'roles', j], message: `unknown role "${r}"` });
      });
    });
    cfg.seed?.users.forEach((u, i) => {
      if (!tenantIds.has(u.tenant)) ctx.addIssue({ code: 'custom', path: ['seed', 'users', i, 'tenant'], message: `unknown tenant "${u.tenant}"` });
    });
  });

export type GatehouseFileConfig = z.infer<typeof configSchema>;

/** What `gatehouse config apply` reads from a file: its tenants, clients and roles (anything else is ignored). */
export const declarationSchema = z
  .object({
    tenants: z.array(tenantSchema).default([]),
    clients: z.array(clientSchema).default([]),
    roles: z.array(roleSchema).default([]),
  })
  .superRefine(checkDeclared);
export type TenantConfig = z.infer<typeof tenantSchema>;
export type ClientConfig = z.infer<typeof clientSchema>;
export type RoleConfig = z.infer<typeof roleSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type AuditConfig = z.infer<typeof auditSchema>;
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;
export type TenancyConfig = z.infer<typeof tenancySchema>;
