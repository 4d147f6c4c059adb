// RedisRateLimiter: one fixed-window budget per key, shared by every server instance through Redis.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { unavailable, type RateLimitDecision, type RateLimiter } from '@direct-upload/core';

export interface RedisRateLimiterOptions {
  /** Best made with `createRedisClient`, which fails fast while Redis is down. */
  client: Redis;
  /** Namespace of this limiter's keys in Redis, e.g. 'du:owner' or 'du:ip'; limiters sharing one share budgets. */
  keyPrefix: string;
  /** Actions allowed per key and window. */
  points: number;
  /** Length of the window, in whole seconds. */
  durationSeconds: number;
  /**
   * While Redis fails: 'closed' (default) refuses every action with `service_unavailable` (503);
   * 'memory' counts per process instead, which is weaker: each instance then grants the whole budget.
   */
  fallback?: 'closed' | 'memory';
  /** Called with the Redis failure each time the memory fallback decides; throttle before logging. */
  onFallback?: (error: Error) => void;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: RateLimiterRedis;
  private readonly insurance: RateLimiterMemory | undefined;
  private readonly onFallback: ((error: Error) => void) | undefined;

  constructor(options: RedisRateLimiterOptions) {
    // The store rounds the window down to whole seconds, and a zero window would keep keys forever.
    if (!Number.isInteger(options.points) || options.points < 1) throw new RangeError('points must be a positive integer');
    if (!Number.isInteger(options.durationSeconds) || options.durationSeconds < 1) {
      throw new RangeError('durationSeconds must be a positive integer');
    }
    if (!options.keyPrefix) throw new RangeError('keyPrefix must not be empty');
    this.redis = new RateLimiterRedis({
      storeClient: options.client,
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: options.durationSeconds,
      // Refuse at once while disconnected instead of sending commands into a dead connection.
      rejectIfRedisNotReady: true,
    });
    // Consulted here rather than through the library's `insuranceLimiter` option, which switches over silently:
    // `onFallback` needs the Redis error that caused the switch.
    this.insurance =
      options.fallback === 'memory'
        ? new RateLimiterMemory({ keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds })
        : undefined;
    this.onFallback = options.onFallback;
  }

  async consume(key: string): Promise<RateLimitDecision> {
    try {
      return await decide(this.redis, key);
    } catch (failure) {
      const error = failure instanceof Error ? failure : new Error(String(failure));
      if (!this.insurance) throw unavailable('Rate limiting', error);
      this.onFallback?.(error);
      return decide(this.insurance, key);
    }
  }
}

/** One action against `limiter`; rejects only when the store itself failed. */
async function decide(limiter: RateLimiterAbstract, key: string): Promise<RateLimitDecision> {
  try {
    const result = await limiter.consume(key);
    return { allowed: true, remaining: result.remainingPoints, retryAfterSeconds: 0 };
  } catch (refusal) {
    // The library rejects with its result object when the budget is spent, and with an Error when the store failed.
    if (!(refusal instanceof RateLimiterRes)) throw refusal;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
  }
}
