/**
 * Storage helpers shared by users and admins. A record is a Redis hash, not a JSON string:
 * `setDisabled`, `setRoles` and `setPassword` then each write their own fields with one
 * HSET, so two writers (the console and the CLI, or two instances) never undo each other
 * the way a read-modify-write of one JSON value could (a lost update could re-enable a
 * disabled account).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Store } from '../store/types.js';
import { checkFreeText, NAME_RULE } from '../text/free-text.js';
import { AccountError } from './errors.js';
import type { ListOptions, Page } from './types.js';

export type StoredRecord = Record<string, string>;

const emailSchema = z.email().max(254);
/** The tenant id rule of the config schema; it also keeps `:` out of the index keys. */
const tenantIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function newId(prefix: string): string {
  return prefix + randomBytes(16).toString('base64url');
}

/** Lowercase + trim, so `Bob@Acme.test ` and `bob@acme.test` are one account. */
export function normaliseEmail(email: string): string {
  const normalised = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (!emailSchema.safeParse(normalised).success) throw new AccountError('invalid_email');
  return normalised;
}

/** Lookups take any string: one that can never be a stored email just finds nothing. */
export function lookupEmail(email: string): string | null {
  try {
    return normaliseEmail(email);
  } catch {
    return null;
  }
}

/** A display name: 1 to 200 characters of one line, no bidi controls (PROTOCOL §10.7). */
export function checkName(name: string): string {
  const checked = checkFreeText(name, NAME_RULE);
  if (!checked.ok) throw new AccountError('invalid_name', checked.message);
  return checked.text;
}

export function checkTenant(tenant: string): string {
  if (typeof tenant !== 'string' || !tenantIdPattern.test(tenant)) throw new AccountError('invalid_tenant');
  return tenant;
}

/**
 * Writes a new record and claims its email. The record goes first and the claim (SET NX)
 * decides: of two concurrent creators exactly one wins, and the loser removes its record,
 * which nothing points at. A crash between the two leaves only an unreachable record,
 * never an email that points at nothing.
 */
export async function createRecord(
  store: Store,
  recordKey: string,
  emailKey: string,
  id: string,
  fields: StoredRecord,
): Promise<void> {
  await store.hset(recordKey, fields);
  const claimed = await store.set(emailKey, id, { nx: true });
  if (!claimed) {
    await store.del(recordKey);
    throw new AccountError('email_taken');
  }
}

/** Reads a record, or null when it is missing or incomplete (e.g. still being created). */
export async function readRecord(store: Store, recordKey: string, required: string[]): Promise<StoredRecord | null> {
  const record = await store.hgetall(recordKey);
  if (!record || required.some((field) => record[field] === undefined)) return null;
  return record;
}

const READ_BATCH = 200;

/** Reads records by id, skipping ids whose record is missing: a listing must not fail on one. */
export async function readMany<T>(ids: string[], read: (id: string) => Promise<T | null>): Promise<T[]> {
  const out: T[] = [];
  // Batches bound the commands in flight; ioredis pipelines the ones in each batch.
  for (let i = 0; i < ids.length; i += READ_BATCH) {
    const batch = await Promise.all(ids.slice(i, i + READ_BATCH).map(read));
    for (const item of batch) if (item) out.push(item);
  }
  return out;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/**
 * A page of a newest-first id listing. Without a query only the page's records are read;
 * with one every record is read and filtered, a linear scan that suits a support console
 * up to tens of thousands of accounts per listing (a search index is the next step).
 */
export async function listPage<T extends { email: string; name: string }>(
  ids: string[],
  read: (id: string) => Promise<T | null>,
  options: ListOptions,
): Promise<Page<T>> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? DEFAULT_LIMIT), 0), MAX_LIMIT);
  const offset = Math.max(Math.trunc(options.offset ?? 0), 0);
  const query = options.query?.trim().toLowerCase();
  if (!query) {
    return { items: await readMany(ids.slice(offset, offset + limit), read), total: ids.length };
  }
  const matches = (await readMany(ids, read)).filter(
    (a) => a.email.includes(query) || a.name.toLowerCase().includes(query),
  );
  return { items: matches.slice(offset, offset + limit), total: matches.length };
}

export const flag = (value: boolean) => (value ? '1' : '0');

/**
 * The fields `setDisabled` writes, in one HSET: disabling also stamps `sessionsEndedAt`, the
 * account's most recent disable, which ends everything issued before it for good (see
 * `issuedBeforeLastDisable`), on every instance, even once the account is enabled again.
 */
export function disabledFields(disabled: boolean, now = Date.now()): StoredRecord {
  return disabled ? { disabled: flag(true), sessionsEndedAt: String(now) } : { disabled: flag(false) };
}

/** `revocations` of a record: 0 until the account is first disabled (or an admin loses coverage). */
export function revocationsOf(r: StoredRecord): number {
  const n = Number(r.revocations);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/**
 * Enabling waits out the second of the account's most recent disable (at most a second).
 * Tokens and codes carry their issue time in whole seconds (`iat`), so one issued later in
 * that second would look issued at or before the disable and be refused for no reason.
 * Nothing is issued to a disabled account, so after the wait the rule is exact.
 */
export async function waitOutDisableSecond(r: StoredRecord, now = Date.now()): Promise<void> {
  const { sessionsEndedAt } = sessionsEndedAtOf(r);
  if (sessionsEndedAt === undefined) return;
  const secondOver = (Math.floor(sessionsEndedAt / 1000) + 1) * 1000;
  if (now < secondOver) await sleep(secondOver - now);
}

/** `sessionsEndedAt` of a record, when set. */
export function sessionsEndedAtOf(r: StoredRecord): { sessionsEndedAt?: number } {
  const at = Number(r.sessionsEndedAt);
  return Number.isFinite(at) && at > 0 ? { sessionsEndedAt: at } : {};
}

/**
 * PROTOCOL §10.2, "nothing issued before the most recent disable ever works again, whatever
 * happens after (enable, password reset, new passkey)": the one rule, for everything an
 * account holds or that names it — its access and refresh tokens and codes, a console or
 * /account sign-in, a ticket it minted or that names it, an impersonation session. Each is
 * dead when it was issued (ms since the epoch) at or before the account's last disable.
 * It needs no index of what an account holds (the disable stamps one field) and survives
 * an enable, which only clears `disabled`. An unknown issue time counts as the oldest.
 *
 * Issue times come from the clock of the instance that issued, the disable's from the one
 * that disabled: instances' clocks must agree (NTP) as they already must for expiry.
 */
export function issuedBeforeLastDisable(account: { sessionsEndedAt?: number }, issuedAt: number | undefined): boolean {
  return account.sessionsEndedAt !== undefined && (issuedAt ?? 0) <= account.sessionsEndedAt;
}
