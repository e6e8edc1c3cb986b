/**
 * Support access codes (PROTOCOL §2, §5 consent `access-code`): created by the user on
 * /account, shown once, stored only as a SHA-256, single use (GETDEL), short-lived.
 */
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { newAccessCode, normalizeAccessCode, sha256 } from './secrets.js';

export interface AccessCodeRecord {
  user: string;
  tenant: string;
  createdAt: number;
  expiresAt: number;
}

export async function createAccessCode(store: Store, user: string, tenant: string, ttl: number) {
  const code = newAccessCode();
  const createdAt = Date.now();
  const record: AccessCodeRecord = { user, tenant, createdAt, expiresAt: createdAt + ttl * 1000 };
  await store.set(keys.accessCode(sha256(normalizeAccessCode(code))), JSON.stringify(record), { ttl });
  return { code, expiresAt: new Date(record.expiresAt) };
}

function codeKey(code: string): string | null {
  const normalized = normalizeAccessCode(code);
  return /^[2-9A-HJ-NP-Z]{10}$/.test(normalized) ? keys.accessCode(sha256(normalized)) : null;
}

/**
 * Reads a code without using it, so a request refused for another reason (a reason too
 * short, a duration too long) does not waste the customer's code. Never grants anything
 * by itself: `takeAccessCode` is the single use.
 */
export async function peekAccessCode(store: Store, code: string): Promise<AccessCodeRecord | null> {
  const key = codeKey(code);
  const raw = key ? await store.get(key) : null;
  return raw ? (JSON.parse(raw) as AccessCodeRecord) : null;
}

/** Takes a code: exactly one caller gets its record (GETDEL). */
export async function takeAccessCode(store: Store, code: string): Promise<AccessCodeRecord | null> {
  const key = codeKey(code);
  const raw = key ? await store.getdel(key) : null;
  // A deletion a failover could lose would let the code be used again.
  if (raw && key) await store.waitForReplicas(key);
  return raw ? (JSON.parse(raw) as AccessCodeRecord) : null;
}

export type ConsentState = 'granted' | 'denied';

/** Opt-in consent (tenant `consent: opt-in`): absent means not granted. */
export async function getConsent(store: Store, user: string): Promise<ConsentState> {
  return (await store.get(keys.consent(user))) === 'granted' ? 'granted' : 'denied';
}

export async function setConsent(store: Store, user: string, state: ConsentState) {
  await store.set(keys.consent(user), state);
}
