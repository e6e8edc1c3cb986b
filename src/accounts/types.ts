/**
 * Account models. Users and admins are separate models (PROTOCOL §1: an admin is "a model
 * of its own, never a user"), told apart by their id prefix so an id alone says which
 * store to ask and a user id can never be mistaken for an admin's. Password hashes live
 * in the store record only and are never part of these objects.
 */

/** Id prefixes; ids are a prefix plus 16 random bytes in base64url. */
export const USER_ID_PREFIX = 'usr_';
export const ADMIN_ID_PREFIX = 'adm_';

export type AccountKind = 'user' | 'admin';

/** A customer account; belongs to exactly one tenant. */
export interface User {
  id: string;
  tenant: string;
  /** Lowercased and trimmed; unique within the tenant. */
  email: string;
  name: string;
  /** Only roles with `sensitive: true` may impersonate this user (PROTOCOL §5). */
  sensitive: boolean;
  disabled: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Set when the account was last disabled: browser sessions started before it are over (ms). */
  sessionsEndedAt?: number;
  /** How often what the account holds was revoked (disabled): tickets carry the count they were minted under (PROTOCOL §10.2). */
  revocations: number;
}

/** A support staff member; roles (from config) decide what it may do. */
export interface Admin {
  id: string;
  /** Lowercased and trimmed; unique across all admins. */
  email: string;
  name: string;
  roles: string[];
  disabled: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Set when the account was last disabled: browser sessions started before it are over (ms). */
  sessionsEndedAt?: number;
  /** How often what the admin holds was revoked (disabled, or a tenant's coverage lost): tickets carry the count they were minted under. */
  revocations: number;
}

export interface NewUser {
  tenant: string;
  email: string;
  name: string;
  /** Absent: the account exists but cannot sign in with a password until one is set. */
  password?: string;
  sensitive?: boolean;
}

export interface NewAdmin {
  email: string;
  name: string;
  password?: string;
  roles?: string[];
}

export interface ListOptions {
  /** Case-insensitive substring of the email or the name. */
  query?: string;
  /** Default 50, at most 500. */
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  /** Newest first. */
  items: T[];
  /** How many matched in all, for paging. */
  total: number;
}

/** Which model an id belongs to, or null when it is neither. */
export function accountKindOf(id: string): AccountKind | null {
  if (id.startsWith(USER_ID_PREFIX)) return 'user';
  if (id.startsWith(ADMIN_ID_PREFIX)) return 'admin';
  return null;
}
