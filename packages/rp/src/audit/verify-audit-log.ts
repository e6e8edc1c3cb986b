/**
 * Verifying what Gatehouse's transparency API returns for a tenant's audit log: that
 * each entry is in the signed checkpoint, and that the checkpoint extends one you held
 * before — so that no support access you were shown can later vanish or change.
 */
import { fromBase64 } from './bytes.js';
import { type VerifiedCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { AuditVerificationError } from './errors.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';

/** An audit event as Gatehouse records it (PROTOCOL §6); `log` and `index` place it. */
export interface AuditLogEvent {
  id: string;
  time: string;
  type: string;
  outcome: 'success' | 'failure';
  log: string;
  index: number;
  admin?: string;
  user?: string;
  tenant?: string;
  client?: string;
  reason?: string;
  code?: string;
  sid?: string;
  requestId?: string;
  ip?: string;
  userAgent?: string;
  details?: Record<string, string | number | boolean>;
}

export interface AuditLogEntry {
  event: AuditLogEvent;
  /** Base64 hashes: the RFC 9162 inclusion proof of the event in the checkpoint. */
  proof: string[];
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/** RFC 8785 (JCS) for the values an event holds: sorted keys, no whitespace. */
function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The leaf of an event: its canonical JSON without `log` and `index`, which its position states. */
export function auditLeafHash(event: AuditLogEvent): Promise<Uint8Array> {
  const { log: _log, index: _index, ...rest } = event;
  return leafHash(canonicalJson(rest as unknown as Json));
}

function b64(list: unknown): Uint8Array[] {
  try {
    return Array.isArray(list) ? list.map((h) => fromBase64(String(h))) : [];
  } catch {
    return [];
  }
}

/**
 * Verifies a page of the API's answer (`GET /audit/logs/<tenant>/entries`): the
 * checkpoint's signature with your pinned verifier key, then each entry's inclusion.
 * Answers the checkpoint and the events, now proven.
 *
 * @example
 * const { checkpoint, events } = await verifyAuditEntries({ verifierKey, checkpoint: body.checkpoint, entries: body.entries });
 */
export async function verifyAuditEntries(input: {
  verifierKey: string;
  checkpoint: string;
  entries: readonly AuditLogEntry[];
}): Promise<{ checkpoint: VerifiedCheckpoint; events: AuditLogEvent[] }> {
  const checkpoint = await verifyCheckpoint(input.checkpoint, input.verifierKey);
  const log = checkpoint.origin.slice(checkpoint.origin.lastIndexOf('/') + 1);
  const events: AuditLogEvent[] = [];
  for (const entry of input.entries) {
    const event = entry?.event;
    if (!event || typeof event !== 'object' || !Number.isSafeInteger(event.index) || event.log !== log) {
      throw new AuditVerificationError('bad_inclusion', 'an entry is not an event of this log');
    }
    if (!(await verifyInclusion(event.index, checkpoint.size, await auditLeafHash(event), b64(entry.proof), checkpoint.root))) {
      throw new AuditVerificationError('bad_inclusion', `entry ${event.index} is not in the checkpoint of size ${checkpoint.size}`);
    }
    events.push(event);
  }
  return { checkpoint, events };
}

/**
 * Verifies that `checkpoint` extends `previous` (a checkpoint note you kept), with the
 * consistency proof of `GET /audit/logs/<tenant>/consistency?from=<previous size>`.
 */
export async function verifyAuditConsistency(input: { verifierKey: string; previous: string; checkpoint: string; proof: readonly string[] }): Promise<VerifiedCheckpoint> {
  const previous = await verifyCheckpoint(input.previous, input.verifierKey);
  const current = await verifyCheckpoint(input.checkpoint, input.verifierKey);
  if (!(await verifyConsistency(previous.size, current.size, previous.root, current.root, b64(input.proof)))) {
    throw new AuditVerificationError('inconsistent', `the log of size ${current.size} does not extend the checkpoint of size ${previous.size} you held`);
  }
  return current;
}
