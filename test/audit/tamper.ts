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
