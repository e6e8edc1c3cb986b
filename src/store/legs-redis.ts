/**
 * The impersonation legs' atomic steps on Redis (types.ts TicketCommit, TicketRedemption):
 * one script each, in the tenant's slot, so a ticket never exists without its
 * `ticket_issued` leaf, nor a session without its `started` leaf, whatever fails when.
 *
 * A leaf goes in as its log's next stream entry, `<size>-1`, the first write of the script:
 * XADD refuses an id at or below the stream's last one (a size repointed under the log),
 * and the script then stops before writing anything at all. Then `size` moves on, as
 * tlogAppend's script does, so group commits and legs share one sequence of positions.
 */
import { encodeLeaf } from './leaf-codec.js';
import type { RedisClient } from './redis.js';
import type { RevocationGuard, Store, TicketCommitResult, TicketRedemptionResult } from './types.js';

/** Lua shared by both: guards over KEYS[first..] with epochs ARGV[at..]; the tripped marker's reason or nil. */
const GUARDS = `
local function tripped(firstKey, at, count)
  for i = 0, count - 1 do
    local marker = redis.call('GET', KEYS[firstKey + i])
    if marker then
      local epoch, reason = string.match(marker, '^(%d+) (.+)$')
      if epoch and tonumber(epoch) > tonumber(ARGV[at + i]) then return reason end
    end
  end
  return nil
end
local function append(leaves, state, from)
  local size = tonumber(redis.call('HGET', state, 'size') or '0')
  for i = from, #ARGV do redis.call('XADD', leaves, (size + i - from) .. '-1', 'e', ARGV[i]) end
  redis.call('HSET', state, 'size', size + #ARGV - from + 1)
  return size
end`;

/**
 * KEYS = ticket, leaves, state, guard markers…; ARGV = ttl, guard count g, g epochs, leaves…
 * Answers {1, index of the first leaf} or {0, reason of the tripped guard}. A ticket that
 * exists already is this very step run again (256 random bits name it), and it answers as
 * it did, once. The client does not resend what a dropped connection left unanswered
 * (`autoResendUnfulfilledCommands: false`, store/redis.ts; test/store-lost-reply.test.ts),
 * but a caller may run the same step again, and it must not append the leaf twice.
 */
const COMMIT = `${GUARDS}
local committed = redis.call('HGET', KEYS[1], 'i')
if committed then return {1, tonumber(committed)} end
local g = tonumber(ARGV[2])
local reason = tripped(4, 3, g)
if reason then return {0, reason} end
local index = append(KEYS[2], KEYS[3], 3 + g)
redis.call('HSET', KEYS[1], 'i', index)
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {1, index}`;

/**
 * KEYS = ticket, session, leaves, state, guard markers…, indexes…
 * ARGV = burn, remember-for seconds, refusal ('' = none), guard count g, g epochs,
 *        refusal after the guards ('' = none),
 *        sid, session ttl, session field count f, f field/value pairs,
 *        index count n, n × (score, trim bound, ttl), leaves…
 * Answers {'unknown'} | {'replay', sid or '', 1 if first replay} | {'refused', code} | {'redeemed', index}.
 * A ticket burned with this presentation's own mark is this very step run again (the
 * client resends nothing a dropped connection left unanswered, store/redis.ts, but a caller
 * may run the same step again): it answers what it answered, from the outcome it kept
 * (`si`, the started leaf's index, or `rc`, the refusal), instead of seeing a replay.
 */
const REDEEM = `${GUARDS}
if redis.call('HEXISTS', KEYS[1], 'i') == 0 then return {'unknown'} end
local burned = redis.call('HMGET', KEYS[1], 'consumedAt', 'si', 'rc')
if burned[1] == ARGV[1] then
  if burned[2] then return {'redeemed', tonumber(burned[2])} end
  return {'refused', burned[3] or ''}
end
if burned[1] then
  local first = redis.call('HSETNX', KEYS[1], 'replayedAt', ARGV[1])
  return {'replay', redis.call('HGET', KEYS[1], 'sid') or '', first}
end
local g = tonumber(ARGV[4])
local refusal = ARGV[3]
if refusal == '' then refusal = tripped(5, 5, g) end
if not refusal and ARGV[5 + g] ~= '' then refusal = ARGV[5 + g] end
local a = 6 + g
local sid, ttl, f = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
local fields = a + 3
a = fields + 2 * f
local n = tonumber(ARGV[a])
local indexes = a + 1
local index = nil
if not refusal then index = append(KEYS[3], KEYS[4], indexes + 3 * n) end
if refusal then
  redis.call('HSET', KEYS[1], 'consumedAt', ARGV[1], 'rc', refusal)
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return {'refused', refusal}
end
redis.call('HSET', KEYS[1], 'consumedAt', ARGV[1], 'si', index)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, fields, fields + 2 * f - 1))
redis.call('EXPIRE', KEYS[2], ttl)
for i = 0, n - 1 do
  local key, at = KEYS[5 + g + i], indexes + 3 * i
  redis.call('ZADD', key, ARGV[at], sid)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[at + 1])
  redis.call('EXPIRE', key, ARGV[at + 2])
end
redis.call('HSET', KEYS[1], 'sid', sid)
return {'redeemed', index}`;

/** KEYS[1] = marker; ARGV = epoch, reason, ttl. Kept when it already holds a higher epoch. */
const RAISE_MARKER = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(string.match(current, '^(%d+)')) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2], 'EX', ARGV[3])
return 1`;

type Arg = string | number | Buffer;
interface LegScripts {
  gatehouseCommitTicket(...args: Arg[]): Promise<[number, string | number]>;
  gatehouseRedeemTicket(...args: Arg[]): Promise<[string, (string | number)?, number?]>;
  gatehouseRaiseMarker(key: string, epoch: number, reason: string, ttl: number): Promise<number>;
}

const epochs = (guards: RevocationGuard[]) => guards.map((g) => String(g.epoch));

/**
 * @param k adds the store prefix to a logical key
 * @param run maps connectivity failures to StoreUnavailableError
 */
export function redisLegCommands(
  client: RedisClient,
  k: (key: string) => string,
  run: <T>(command: () => Promise<T>) => Promise<T>,
): Pick<Store, 'commitTicket' | 'redeemTicket' | 'raiseMarker'> {
  client.defineCommand('gatehouseCommitTicket', { lua: COMMIT });
  client.defineCommand('gatehouseRedeemTicket', { lua: REDEEM });
  client.defineCommand('gatehouseRaiseMarker', { numberOfKeys: 1, lua: RAISE_MARKER });
  const scripts = client as RedisClient & LegScripts;

  return {
    commitTicket: (c) =>
      run(async (): Promise<TicketCommitResult> => {
        if (c.leaves.length === 0) throw new Error('commitTicket needs its leaf');
        const keys = [c.key, c.log.leaves, c.log.state, ...c.guards.map((g) => g.key)].map(k);
        const args = [c.ttl, c.guards.length, ...epochs(c.guards), ...c.leaves.map(encodeLeaf)];
        const [ok, value] = await scripts.gatehouseCommitTicket(keys.length, ...keys, ...args);
        return ok === 1 ? { ok: true, index: Number(value) } : { ok: false, revoked: String(value) };
      }),
    redeemTicket: (r) =>
      run(async (): Promise<TicketRedemptionResult> => {
        if (r.leaves.length === 0) throw new Error('redeemTicket needs its leaf');
        const keys = [r.key, r.session.key, r.log.leaves, r.log.state, ...r.guards.map((g) => g.key), ...r.indexes.map((i) => i.key)].map(k);
        const fields = Object.entries(r.session.fields);
        const args: Arg[] = [
          r.burn,
          r.rememberFor,
          r.refusal ?? '',
          r.guards.length,
          ...epochs(r.guards),
          r.refusalAfterGuards ?? '',
          r.session.sid,
          r.session.ttl,
          fields.length,
          ...fields.flat(),
          r.indexes.length,
          ...r.indexes.flatMap((i) => [i.score, i.trimBelow, i.ttl]),
          ...r.leaves.map(encodeLeaf),
        ];
        const [kind, value, first] = await scripts.gatehouseRedeemTicket(keys.length, ...keys, ...args);
        if (kind === 'replay') return { kind, ...(value ? { sid: String(value) } : {}), firstReplay: first === 1 };
        if (kind === 'refused') return { kind, code: String(value) };
        if (kind === 'redeemed') return { kind, index: Number(value) };
        return { kind: 'unknown' };
      }),
    raiseMarker: (key, epoch, reason, ttl) =>
      run(async () => {
        if (!/^\S+$/.test(reason)) throw new Error('a marker reason is one word');
        await scripts.gatehouseRaiseMarker(k(key), epoch, reason, ttl);
      }),
  };
}
