/**
 * Compare-and-set on one hash: the state machines of access requests (approvals/) move
 * from one state to the next only from the state they were read in, in one atomic step,
 * so two processes deciding, expiring or using one request never both win.
 */

/** What a hash must hold for `hsetIfMatches` to write: a field's exact value, or null for "absent". */
export type HashExpectation = Record<string, string | null>;

/**
 * KEYS[1] = hash; ARGV[1] = number of equality checks n, then n field/value pairs, then the
 * number of absence checks m, then m fields, then the field/value pairs to set.
 * Returns 1 when every check held and the fields were set, else 0 (nothing written).
 * At least one equality check is required, so the hash exists and keeps its TTL.
 */
export const HSET_IF_MATCHES = `
local i = 2
for _ = 1, tonumber(ARGV[1]) do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then return 0 end
  i = i + 2
end
local absent = tonumber(ARGV[i])
i = i + 1
for _ = 1, absent do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then return 0 end
  i = i + 1
end
redis.call('HSET', KEYS[1], unpack(ARGV, i))
return 1`;

export interface HashCasCommands {
  gatehouseHsetIfMatches(key: string, ...args: string[]): Promise<number>;
}

/** The script's arguments, after the key. */
export function hsetIfMatchesArgs(expect: HashExpectation, fields: Record<string, string>): string[] {
  const equal = Object.entries(expect).filter((e): e is [string, string] => e[1] !== null);
  const absent = Object.entries(expect).filter(([, v]) => v === null).map(([f]) => f);
  if (equal.length === 0) throw new Error('hsetIfMatches needs at least one field value to expect');
  if (Object.keys(fields).length === 0) throw new Error('hsetIfMatches needs at least one field to set');
  return [String(equal.length), ...equal.flat(), String(absent.length), ...absent, ...Object.entries(fields).flat()];
}

/** The same step on the memory store's hash (one process: synchronous, so atomic). */
export function hsetIfMatchesIn(hash: Map<string, string> | undefined, expect: HashExpectation, fields: Record<string, string>): boolean {
  hsetIfMatchesArgs(expect, fields);
  if (!hash) return false;
  for (const [field, value] of Object.entries(expect)) {
    if (value === null ? hash.has(field) : hash.get(field) !== value) return false;
  }
  for (const [field, value] of Object.entries(fields)) hash.set(field, value);
  return true;
}
