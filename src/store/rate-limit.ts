/**
 * Rate limiting (the only place that imports rate-limiter-flexible). Backed by the same
 * Redis as everything else, so limits hold across instances; in memory for dev.
 *
 * Limits hold under concurrency only when a guess spends its point *before* the secret is
 * checked (PROTOCOL §10.3): `consume`, then do the work, then `refund` when the guess was
 * right. Checking first and charging after a failure lets every request that arrives
 * while the first ones are being verified through (60 concurrent guesses → 26 verified).
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { keys } from './keys.js';
import { StoreUnavailableError } from './types.js';

export interface LimitOptions {
  points: number;
  /** Window in seconds. */
  duration: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Seconds until another attempt is allowed (when not allowed). */
  retryAfter: number;
}

export interface Limiter {
  /** Spends one point (atomically in the store); not allowed once the window's points are spent. */
  consume(key: string): Promise<LimitResult>;
  /** Gives back points a consumed attempt turned out not to owe (the guess was right). */
  refund(key: string, points?: number): Promise<void>;
  /** Looks without spending. Never a gate in front of a secret: see the note above. */
  check(key: string): Promise<LimitResult>;
  reset(key: string): Promise<void>;
}

export function createLimiter(name: string, options: LimitOptions, redis: unknown | null, prefix = 'gh'): Limiter {
  const limiter: RateLimiterAbstract = redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:${keys.rateLimit(name)}`,
        points: options.points,
        duration: options.duration,
        // Fail closed: an unreachable store must not turn into unlimited attempts.
        insuranceLimiter: undefined,
        rejectIfRedisNotReady: true,
      })
    : new RateLimiterMemory({ keyPrefix: name, points: options.points, duration: options.duration });

  const fromError = (err: unknown): LimitResult => {
    if (err instanceof RateLimiterRes) return { allowed: false, retryAfter: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
    throw new StoreUnavailableError(err);
  };

  return {
    async consume(key) {
      try {
        await limiter.consume(key, 1);
        return { allowed: true, retryAfter: 0 };
      } catch (err) {
        return fromError(err);
      }
    },
    async refund(key, points = 1) {
      try {
        await limiter.reward(key, points);
      } catch (err) {
        throw new StoreUnavailableError(err);
      }
    },
    async check(key) {
      try {
        const res = await limiter.get(key);
        if (res && res.consumedPoints >= options.points) {
          return { allowed: false, retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
        }
        return { allowed: true, retryAfter: 0 };
      } catch (err) {
        return fromError(err);
      }
    },
    async reset(key) {
      try {
        await limiter.delete(key);
      } catch (err) {
        throw new StoreUnavailableError(err);
      }
    },
  };
}
