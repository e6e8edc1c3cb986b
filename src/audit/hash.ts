import type { AuditEvent } from './events.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, `undefined`
 * members left out, primitives as JSON.stringify writes them. For the values an event
 * holds (strings, integers, booleans, flat objects) this is RFC 8785 (JCS), so another
 * language's JCS library computes the same bytes, and the CLI years later too.
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
 * The leaf data of an event in its log's Merkle tree: the canonical JSON of the event
 * without `log` and `index`, whose position in the tree states them. This is what is
 * stored, hashed (RFC 9162: SHA-256(0x00 || leaf)) and proven.
 *
 * @example
 * leafHash(leafOf(event)) // what an inclusion proof for `event` starts from
 */
export function leafOf(event: Omit<AuditEvent, 'log' | 'index'> & { log?: string; index?: number }): string {
  const { log: _log, index: _index, ...rest } = event;
  return canonicalJson(rest as Json);
}
