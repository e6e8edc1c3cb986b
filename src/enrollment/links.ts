/**
 * Passkey enrollment links (PROTOCOL §3.1, §10.1): the only way an admin's first passkey
 * (or one replacing a lost passkey) comes to be. A link is 256 bits from the CSPRNG; only
 * its SHA-256 is a key in the store, under a TTL (`passkeyEnrollmentTtl`). It is used once
 * across every instance: the registration it opens is stored only by the caller that takes
 * the link (GETDEL). Issuing a new link for an admin voids the one before.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../impersonation/secrets.js';
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';

export interface EnrollmentLink {
  /** The admin the passkey will belong to. */
  admin: string;
  /** Who issued it: an admin id, `cli` or `seed`. */
  issuedBy: string;
  issuedAt: number;
  expiresAt: number;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The path an enrollment link opens, with its token (query strings are never logged). */
export const enrollmentUrl = (issuer: string, token: string) => `${issuer}/admin/enroll?token=${token}`;

/** The hash a token is stored under, or null for anything that cannot be a token. */
export function linkHashOf(token: unknown): string | null {
  return typeof token === 'string' && TOKEN.test(token) ? sha256(token) : null;
}

/** Withdraws a link that must not be handed out (its issue could not be audited). */
export async function discardEnrollmentLink(store: Store, linkHash: string): Promise<void> {
  await store.del(keys.enrollmentLink(linkHash));
}

/** Issues a link for `admin`; returns the token (shown once, never stored) and its expiry. */
export async function issueEnrollmentLink(store: Store, input: { admin: string; issuedBy: string; ttl: number }) {
  const token = randomBytes(32).toString('base64url');
  const linkHash = sha256(token);
  const issuedAt = Date.now();
  const link: EnrollmentLink = { admin: input.admin, issuedBy: input.issuedBy, issuedAt, expiresAt: issuedAt + input.ttl * 1000 };
  await store.set(keys.enrollmentLink(linkHash), JSON.stringify(link), { ttl: input.ttl });
  const previous = await store.getdel(keys.adminEnrollmentLink(input.admin));
  if (previous && previous !== linkHash) await store.del(keys.enrollmentLink(previous));
  await store.set(keys.adminEnrollmentLink(input.admin), linkHash, { ttl: input.ttl });
  return { token, linkHash, expiresAt: new Date(link.expiresAt) };
}

/** Reads a link without using it (the pages before the ceremony). */
export async function peekEnrollmentLink(store: Store, linkHash: string): Promise<EnrollmentLink | null> {
  const raw = await store.get(keys.enrollmentLink(linkHash));
  return raw ? (JSON.parse(raw) as EnrollmentLink) : null;
}

/** Uses the link: exactly one caller, across instances, gets it (GETDEL). */
export async function takeEnrollmentLink(store: Store, linkHash: string): Promise<EnrollmentLink | null> {
  const raw = await store.getdel(keys.enrollmentLink(linkHash));
  return raw ? (JSON.parse(raw) as EnrollmentLink) : null;
}
