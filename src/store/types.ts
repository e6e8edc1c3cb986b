/**
 * The store contract. Every piece of Gatehouse state goes through this interface, so the
 * same domain code runs on Redis (production, any number of instances) and on the
 * embedded memory store (dev, one process). Each method is one atomic operation on one
 * key, except where it says otherwise; that is what makes single-use artefacts safe
 * (ARCHITECTURE.md: "consumed with one atomic Redis operation").
 *
 * Keys passed in are *logical* keys built with `keys.ts`; the store adds its prefix.
 */
export interface SetOptions {
  /** Time to live in seconds. */
  ttl?: number;
  /** Only set when the key does not exist (SET NX). */
  nx?: boolean;
}

export interface ZaddOptions {
  /** Remove members whose score is below this. */
  trimBelow?: number;
  /** Time to live of the whole set, in seconds. */
  ttl?: number;
}

export interface ChainedAppendResult {
  /** True when the head still matched `expectedHead` and the entry was appended. */
  ok: boolean;
  /** The stream entry id when appended; the current head hash when not. */
  id?: string;
  head?: string | null;
}

export type { TlogCheckpointRecord, TlogKeys, TlogLeaf, TlogState, TlogStore } from './tlog.js';
export { TREE_CHUNK } from './tlog.js';

export interface HashRead {
  key: string;
  /** Only these fields (HMGET); absent = the whole hash (HGETALL). */
  fields?: string[];
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

import type { HashExpectation } from './hash-cas.js';
import type { TenancyStore } from './tenancy.js';
import type { TlogKeys, TlogStore } from './tlog.js';

/**
 * A guard on an account's revocation marker (raiseMarker): the step refuses when the
 * marker at `key` holds an epoch above `epoch`, the one read with the account's state.
 */
export interface RevocationGuard {
  key: string;
  epoch: number;
}

/**
 * A mint's one atomic step in its tenant's slot: the ticket's one-time state and its audit
 * leaf, or nothing. Every key shares the tenant's hash tag (the log's).
 */
export interface TicketCommit {
  /** The ticket's state key: written as `{ i: <index of its leaf> }` with `ttl` seconds. */
  key: string;
  ttl: number;
  guards: RevocationGuard[];
  log: TlogKeys;
  /** Canonical JSON of the leaves appended with it. */
  leaves: string[];
}

export type TicketCommitResult = { ok: true; index: number } | { ok: false; revoked: string };

/**
 * A redemption's one atomic step in its tenant's slot: claim the ticket (the first claim
 * wins, whatever follows), and unless refused, store the session and its indexes, link it
 * to the spent ticket and append its audit leaf.
 */
export interface TicketRedemption {
  key: string;
  /** This presentation's burn mark: only it can give the ticket back (hdelIfEquals). */
  burn: string;
  /** Seconds the spent ticket is kept, to recognise replays. */
  rememberFor: number;
  /** A refusal decided before the claim (the claim still burns the ticket). */
  refusal?: string;
  guards: RevocationGuard[];
  /** A refusal decided before the claim that gives way to a tripped guard's reason. */
  refusalAfterGuards?: string;
  session: { key: string; sid: string; fields: Record<string, string>; ttl: number };
  /** Sorted sets the session joins (member: sid), each trimmed below `trimBelow` and given `ttl`. */
  indexes: { key: string; score: number; trimBelow: number; ttl: number }[];
  log: TlogKeys;
  leaves: string[];
}

export type TicketRedemptionResult =
  | { kind: 'unknown' }
  /** Spent already: `sid` of the session its first presentation started, `firstReplay` for the first replay only. */
  | { kind: 'replay'; sid?: string; firstReplay: boolean }
  /** Burned by this claim and refused: `refusal`, or the reason of the marker a guard tripped on. */
  | { kind: 'refused'; code: string }
  | { kind: 'redeemed'; index: number };

export type { TenancyCommit, TenancyGuard, TenancyKind, TenancyRead, TenancyRecord, TenancyStore, TenancyWrite } from './tenancy.js';

export interface Store extends TlogStore, TenancyStore {
  readonly kind: 'redis' | 'memory';

  get(key: string): Promise<string | null>;
  /** Returns false only when `nx` was given and the key existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Atomically read and delete (Redis GETDEL): exactly one caller gets the value. */
  getdel(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  /** Remaining TTL in seconds; -1 without expiry, -2 when missing. */
  ttl(key: string): Promise<number>;
  expire(key: string, ttl: number): Promise<void>;
  /** Increment a counter; the TTL is set when the counter is created. */
  incr(key: string, ttl?: number): Promise<number>;

  hset(key: string, fields: Record<string, string>, ttl?: number): Promise<void>;
  hgetall(key: string): Promise<Record<string, string> | null>;
  /** Set one field only when it is absent (HSETNX). */
  hsetnx(key: string, field: string, value: string): Promise<boolean>;
  /**
   * Several hash reads in one round trip (a pipeline; on Cluster, one per node, in
   * parallel). Not atomic across keys. A missing hash (or one without any of the asked
   * fields) is null; asked fields that are missing are left out.
   */
  hashReads(reads: HashRead[]): Promise<(Record<string, string> | null)[]>;

  /**
   * Deletes `field` (and `alsoFields`) only while `field` still holds `value`, in one
   * atomic step; true when it did. Gives back a claim (a ticket burned by redeemTicket) that nobody
   * else can have taken since (a ticket whose redemption failed before anything left).
   */
  hdelIfEquals(key: string, field: string, value: string, alsoFields?: string[]): Promise<boolean>;

  /**
   * Compare-and-set on a hash: sets `fields` only while every field of `expect` holds its
   * value (null: is absent), in one atomic step; true when it did. `expect` names at least
   * one value, so a missing hash stays missing. The hash keeps its TTL.
   */
  hsetIfMatches(key: string, expect: HashExpectation, fields: Record<string, string>): Promise<boolean>;

  sadd(key: string, member: string, ttl?: number): Promise<void>;
  srem(key: string, member: string): Promise<void>;
  smembers(key: string): Promise<string[]>;

  /**
   * Lists with a cap, for append-only records (a session's activity): RPUSH `values` and
   * give the key `ttl` seconds, only when the list then holds at most `max` entries; one
   * atomic step, so concurrent appends never pass the cap. Returns the new length, or null
   * (and nothing written) when they would not fit.
   */
  rpushCapped(key: string, values: string[], options: { max: number; ttl: number }): Promise<number | null>;
  /** LRANGE: entries in insertion order, by Redis index rules. */
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  /** LLEN: 0 for a missing list. */
  llen(key: string): Promise<number>;

  /** Sorted sets, scored by time; used for listings (sessions, users). */
  /**
   * With `trimBelow`, members scored below it go in the same step (ZREMRANGEBYSCORE), and
   * with `ttl` the set gets that TTL: an index that trims itself and dies when unused.
   */
  zadd(key: string, score: number, member: string, options?: ZaddOptions): Promise<void>;
  zrem(key: string, member: string): Promise<void>;
  /** Members by descending score, newest first. */
  zrevrange(key: string, start: number, stop: number): Promise<string[]>;

  /**
   * Compare-and-append for hash chains: appends `fields` to the stream at `streamKey` and
   * sets `headKey` to `newHead`, only when `headKey` currently holds `expectedHead`
   * (null = absent). Both keys must share a hash tag (Redis Cluster).
   */
  appendChained(
    streamKey: string,
    headKey: string,
    expectedHead: string | null,
    newHead: string,
    fields: Record<string, string>,
  ): Promise<ChainedAppendResult>;
  /** Entries in insertion order, starting after `afterId` ('0' for the start). */
  readStream(streamKey: string, afterId: string, count: number): Promise<StreamEntry[]>;

  /**
   * Durability for writes that security depends on (a ticket record, a burned ticket, a
   * consumed code, a new passkey, an ended session, an audit append): waits until the
   * replicas the operator asks for (`store.replicaAcks`) hold every write this process
   * has made so far on the connection that serves `key` (Redis WAIT on the node owning
   * `key`'s slot). Throws StoreUnavailableError when fewer acknowledge in time, so the
   * caller answers 503 rather than vouch for a write a failover could still lose.
   * Resolves at once on the memory store and when no acknowledgement is asked for.
   * Call it after the write, before the response that relies on it.
   *
   * With `allConnections`, the wait covers every write any process made on that node
   * before the call, not only this connection's: a marker under `key`'s hash tag is
   * written first, and a replica that acknowledges it holds everything the master took
   * before it (one replication stream). For a signer that vouches for what other
   * processes appended (an audit checkpoint). On a Cluster `key` must carry a hash tag.
   */
  waitForReplicas(key: string, options?: { allConnections?: boolean }): Promise<void>;

  /** HINCRBY: adds `by` to an integer field (absent = 0) and answers the new value. */
  hincrby(key: string, field: string, by: number): Promise<number>;

  /**
   * Sets `key` to `<epoch> <reason>` with `ttl` seconds unless it already holds a higher
   * epoch, in one atomic step: a revocation marker, checked by the guards of the legs.
   */
  raiseMarker(key: string, epoch: number, reason: string, ttl: number): Promise<void>;

  /** The mint's step (see TicketCommit). */
  commitTicket(commit: TicketCommit): Promise<TicketCommitResult>;
  /** The redemption's step (see TicketRedemption). */
  redeemTicket(redemption: TicketRedemption): Promise<TicketRedemptionResult>;

  /** Liveness of the backing store; throws when unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by store implementations when the backing store cannot be reached. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(cause?: unknown) {
    super('the store is unreachable', { cause });
  }
}
