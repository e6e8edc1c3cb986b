/**
 * Runtime configuration (PROTOCOL §11): the records as they are stored, the views the hot
 * paths read, and who makes a change. Framework-free.
 */
import type { ClientConfig, RoleConfig, TenantConfig, TenantSettings } from '../config/schema.js';

export type DomainStatus = 'pending' | 'verified';
/** How control of a domain was proven: its owner's HTTP token or DNS record, or the operator's config file. */
export type VerificationMethod = 'http' | 'dns' | 'operator';

export interface DomainRecord {
  /** scheme://host[:port], as tickets name it (`aud`). */
  origin: string;
  status: DomainStatus;
  /** What the domain's owner serves to prove control. Published by them, so not a secret. */
  token: string;
  addedAt: number;
  verifiedAt?: number;
  verifiedBy?: VerificationMethod;
}

export interface TenantRecord extends TenantSettings {
  domains: DomainRecord[];
  /** A disabled tenant keeps its records and its audit log; nothing of it authenticates or mints. */
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A client secret is kept as its SHA-256 only (it has 256 bits of entropy: no slow hash needed). */
export interface SecretRecord {
  hash: string;
  createdAt: number;
  /** Set on the previous secret at a rotation: refused from then on. */
  expiresAt?: number;
}

export interface ClientRecord extends Omit<ClientConfig, 'clientSecret'> {
  /** Newest first; none for a public client. */
  secrets: SecretRecord[];
  createdAt: number;
  updatedAt: number;
  /**
   * A deleted client stays as a tombstone (no secrets): nothing authenticates as it, but the
   * back-channel logouts of the sessions its deletion ended still find where to go.
   */
  deletedAt?: number;
}

export type RoleRecord = RoleConfig;

/** The domain index: which tenant holds a host. */
export interface DomainIndexRecord {
  tenant: string;
}

/** A record with the revision it was last written at (its ETag). */
export interface Versioned<T> {
  rev: number;
  record: T;
}

/** The hot paths' tenant: the config file's shape, with only its verified domains. */
export type Tenant = TenantConfig;

/** The hot paths' client: the config file's shape without its secret. */
export interface Client extends Omit<ClientConfig, 'clientSecret'> {
  /** Has secrets (client_secret_basic); false for a public client (PKCE only). */
  confidential: boolean;
}

/**
 * Who makes a change, as the audit log names them (PROTOCOL §11): an admin in the console
 * (whose role must have `manageTenants`), a management client through the API (whose token
 * must carry the scope), the CLI, or the config file applied at the first start.
 */
export type Actor = (
  | { kind: 'admin'; adminId: string; roles: readonly string[] }
  | { kind: 'client'; clientId: string; scopes: ReadonlySet<string> }
  /** `via` names the command when it is not a plain one (`config apply`). */
  | { kind: 'cli'; via?: string }
  | { kind: 'startup' }
) & { facts?: { requestId?: string; ip?: string; userAgent?: string } };

/** What an actor may do, named as the management API's scopes. */
export type Right = 'read:tenants' | 'manage:tenants' | 'read:clients' | 'manage:clients' | 'read:roles' | 'manage:roles';
