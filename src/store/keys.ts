/**
 * The one place key names are made. Logical keys only; the store adds its prefix.
 * Keys used together in one atomic multi-key operation share a Redis Cluster hash tag
 * (`{...}`); everything else is spread across slots on purpose.
 */
/** A tenant's Cluster hash tag: its audit log's, shared by its impersonation keys. */
const tenantSlot = (tenantId: string) => `{audit:${tenantId}}`;

/** Session ids minted in a tenant's slot: `imp_<tenant>_<22 base64url characters>`. */
const SID_WITH_TENANT = /^imp_([a-z0-9][a-z0-9-]{0,62})_[A-Za-z0-9_-]{22}$/;
/** Every session id, before and since (impersonation/secrets.ts newSessionId). */
export const SESSION_ID = /^imp_[A-Za-z0-9_-]{1,96}$/;

/**
 * The tenant a session id routes to, or null for an id minted before sessions lived in
 * their tenant's slot (`imp_` and 22 characters, which this never matches: a tenant id
 * has no `_`, and the random part is exactly 22 characters after it).
 */
export function sessionTenant(sid: string): string | null {
  return SID_WITH_TENANT.exec(sid)?.[1] ?? null;
}

export const keys = {
  /** oidc-provider models: `oidc:<Model>:<id>`; grant index sets by grantId. */
  oidcModel: (model: string, id: string) => `oidc:${model}:${id}`,
  oidcGrant: (grantId: string) => `oidc:grant:${grantId}`,
  /** An account's grants, so disabling it can revoke them all (oidc/account-grants.ts). */
  oidcAccountGrants: (accountId: string) => `oidc:account-grants:${accountId}`,
  oidcUserCode: (userCode: string) => `oidc:userCode:${userCode}`,
  oidcUid: (uid: string) => `oidc:uid:${uid}`,
  /** Single-use marker of a code or refresh token; outlives a revocation of its record. */
  oidcConsumed: (model: string, id: string) => `oidc:consumed:${model}:${id}`,

  /** Accounts. Users are per tenant; admins are a separate model. */
  user: (id: string) => `user:${id}`,
  userByEmail: (tenantId: string, email: string) => `user-email:${tenantId}:${email}`,
  tenantUsers: (tenantId: string) => `tenant-users:${tenantId}`,
  admin: (id: string) => `admin:${id}`,
  adminByEmail: (email: string) => `admin-email:${email}`,
  admins: () => 'admins',

  /** WebAuthn: credentials per account, challenges (taken once with GETDEL). */
  passkey: (credentialId: string) => `passkey:${credentialId}`,
  accountPasskeys: (accountKind: string, accountId: string) => `passkeys:${accountKind}:${accountId}`,
  webauthnChallenge: (handle: string) => `webauthn-challenge:${handle}`,

  /** Browser sessions of our own pages: the console (admins) and /account (users). */
  consoleSession: (id: string) => `console-session:${id}`,
  accountSession: (id: string) => `account-session:${id}`,
  /** A browser between the enrollment link's password and its passkey ceremony. */
  enrollmentSession: (id: string) => `enrollment-session:${id}`,

  /** Passkey enrollment links (PROTOCOL §10.1): keyed by SHA-256 only; an admin's current one. */
  enrollmentLink: (linkHash: string) => `enrollment-link:${linkHash}`,
  adminEnrollmentLink: (adminId: string) => `enrollment-link-admin:${adminId}`,

  /**
   * Impersonation. A tenant's tickets, sessions, session indexes and revocation markers
   * share its audit log's hash tag (`{audit:<tenant>}`): one Cluster slot, so a leg's
   * writes and its audit leaf commit in one script (legs-redis.ts). Tickets and access
   * codes are keyed by their SHA-256 only.
   */
  ticket: (tenantId: string, ticketHash: string) => `${tenantSlot(tenantId)}:ticket:${ticketHash}`,
  accessCode: (codeHash: string) => `access-code:${codeHash}`,
  consent: (userId: string) => `consent:${userId}`,
  /** A session's record, in the slot its id names (sessionTenant); ids from before that, where they always were. */
  session: (sid: string) => {
    const tenant = sessionTenant(sid);
    return tenant ? `${tenantSlot(tenant)}:imp-session:${sid}` : `imp-session:${sid}`;
  },
  sessionsByAdmin: (tenantId: string, adminId: string) => `${tenantSlot(tenantId)}:imp-sessions-admin:${adminId}`,
  sessionsByUser: (tenantId: string, userId: string) => `${tenantSlot(tenantId)}:imp-sessions-user:${userId}`,
  sessionsByTenant: (tenantId: string) => `${tenantSlot(tenantId)}:imp-sessions-tenant`,
  /** The indexes of sessions started before they moved into their tenant's slot (kept while they are). */
  legacySessionsByAdmin: (adminId: string) => `imp-sessions-admin:${adminId}`,
  legacySessionsByUser: (userId: string) => `imp-sessions-user:${userId}`,
  legacySessionsByTenant: (tenantId: string) => `imp-sessions-tenant:${tenantId}`,
  /** An account's latest revocation (disable, lost coverage) as seen by the tenant's legs (Store.raiseMarker). */
  revocation: (tenantId: string, kind: 'admin' | 'user', accountId: string) => `${tenantSlot(tenantId)}:revoked:${kind}:${accountId}`,
  /** What the tenant app reported the admin did during a session (a capped list). */
  sessionActivity: (sid: string) => `imp-activity:${sid}`,

  /** Access requests (approvals/): the record, its indexes, and an admin's open request per user. */
  accessRequest: (id: string) => `access-request:${id}`,
  accessRequestsByTenant: (tenantId: string) => `access-requests-tenant:${tenantId}`,
  accessRequestsByUser: (userId: string) => `access-requests-user:${userId}`,
  openAccessRequest: (adminId: string, userId: string) => `access-request-open:${adminId}:${userId}`,

  /**
   * Audit: one transparency log per tenant and one (`system`) for events without a
   * tenant. All keys of a log share its hash tag, so each log is one Cluster slot and
   * logs spread across shards; nothing is atomic across logs.
   */
  auditLog: (log: string) => ({
    leaves: `{audit:${log}}:leaves`,
    state: `{audit:${log}}:state`,
    tree: `{audit:${log}}:tree`,
    checkpoints: `{audit:${log}}:checkpoints`,
  }),
  /** Held by the one instance issuing checkpoints (and archiving) at a time. */
  auditCheckpointLease: () => 'audit-checkpoint-lease',

  /** Repeated identical refusals counted per window, and the windows waiting to be told. */
  denialCount: (digest: string) => `denial-count:${digest}`,
  denialDigests: () => 'denial-digests',

  /** Rate limiting (rate-limiter-flexible adds its own suffixes). */
  rateLimit: (name: string) => `rl:${name}`,
} as const;
