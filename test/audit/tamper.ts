/**
 * Tampering as whoever holds Redis would: `redis-cli` against the real server, outside
 * Gatehouse (its client, scripts and key knowledge play no part). Server-side Lua (EVAL)
 * is how such a person rewrites a stream in place.
 */
import { execFileSync } from 'node:child_process';

/** Runs one redis-cli command and answers its raw output. */
export function redisCli(url: string, ...args: string[]): string {
  return execFileSync('redis-cli', ['-u', url, '--no-auth-warning', ...args], { encoding: 'utf8' });
}

/** Every key of one audit log (its hash tag), as redis-cli --scan lists them. */
export function logKeys(url: string, prefix: string, log: string): string[] {
  return redisCli(url, '--scan', '--pattern', `${prefix}:{audit:${log}}:*`).split('\n').filter(Boolean).sort();
}

/**
 * Puts every leaf of a log's stream back at rest as plain canonical JSON (the stored format
 * before compression, which Gatehouse still reads), keeping every entry id: the first step
 * of whoever edits leaves with `REWRITE_STREAM`, since the compressed form cannot be edited
 * in Lua. `leaves` is what the log holds (read through the store, decompressed).
 */
export function restAsPlainJson(url: string, streamKey: string, leaves: { index: number; leaf: string }[]): void {
  const script = `
redis.call('DEL', KEYS[1])
for i = 1, #ARGV, 2 do redis.call('XADD', KEYS[1], ARGV[i], 'e', ARGV[i + 1]) end
return #ARGV / 2`;
  redisCli(url, 'EVAL', script, '1', streamKey, ...leaves.flatMap(({ index, leaf }) => [`${index}-1`, leaf]));
}

/**
 * Rewrites the leaves stream in place, keeping every entry id: `edit` gets (id, leaf)
 * pairs and answers the new pairs (same ids, in order).
 */
export const REWRITE_STREAM = `
local entries = redis.call('XRANGE', KEYS[1], '-', '+')
redis.call('DEL', KEYS[1])
local mode = ARGV[1]
for i, e in ipairs(entries) do
  local value = e[2][2]
  if mode == 'edit' and e[1] == ARGV[2] then value = string.gsub(value, ARGV[3], ARGV[4]) end
  if mode == 'swap' and e[1] == ARGV[2] then value = entries[i + 1][2][2] end
  if mode == 'swap' and i > 1 and entries[i - 1][1] == ARGV[2] then value = entries[i - 1][2][2] end
  if mode == 'all' then value = string.gsub(value, ARGV[2], ARGV[3]) end
  redis.call('XADD', KEYS[1], e[1], e[2][1], value)
end
return #entries`;
