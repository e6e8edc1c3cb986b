/**
 * WebAuthn challenges live server-side only: the browser gets an opaque handle, the
 * challenge itself is kept under that handle with a short TTL and taken exactly once
 * with GETDEL (ARCHITECTURE.md "consumed with one atomic Redis operation"). A challenge
 * is never trusted from the client.
 */
import { randomBytes } from 'node:crypto';
import { keys } from '../store/keys.js';
import type { Store } from '../store/types.js';

/** Seconds a ceremony may take (WebAuthn L3 §15.1 recommends 300 s for user verification). */
export const CHALLENGE_TTL = 300;

export type ChallengePurpose = 'registration' | 'stepup' | 'signin';

export interface ChallengeRecord {
  challenge: string;
  purpose: ChallengePurpose;
  /** The account the ceremony is for (registration, step-up); absent for a discoverable sign-in. */
  accountId?: string;
  /** What the ceremony is bound to, e.g. an interaction uid or a console session. */
  binding?: string;
}

export interface Challenges {
  /** Stores the record and returns the handle the browser echoes back. */
  issue(record: ChallengeRecord): Promise<string>;
  /** The record, once; null when unknown, expired or already taken. */
  take(handle: unknown): Promise<ChallengeRecord | null>;
}

const HANDLE = /^[A-Za-z0-9_-]{43}$/;

export function createChallenges(store: Store, ttl = CHALLENGE_TTL): Challenges {
  return {
    async issue(record) {
      const handle = randomBytes(32).toString('base64url');
      await store.set(keys.webauthnChallenge(handle), JSON.stringify(record), { ttl });
      return handle;
    },
    async take(handle) {
      if (typeof handle !== 'string' || !HANDLE.test(handle)) return null;
      const raw = await store.getdel(keys.webauthnChallenge(handle));
      return raw ? (JSON.parse(raw) as ChallengeRecord) : null;
    },
  };
}
