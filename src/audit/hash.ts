import { createHash } from 'node:crypto';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members
 * left out. Two processes (or the CLI, years later) serialise the same event to the
 * same bytes, so the chain hash does not depend on property insertion order.
 */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json)}`);
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in audit event');
  return JSON.stringify(value);
}

/**
 * The chain hash of an event: SHA-256 hex over the canonical JSON of every member but
 * `hash` itself. `prevHash` is included, which is what links an event to the one before.
 *
 * @example
 * const hash = hashAuditEvent({ ...event, prevHash: head });
 */
export function hashAuditEvent(event: object): string {
  const { hash: _ignored, ...rest } = event as { hash?: unknown };
  return createHash('sha256')
    .update(canonicalJson(rest as Json))
    .digest('hex');
}
