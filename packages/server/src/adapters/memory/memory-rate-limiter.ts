// MemoryRateLimiter: a per-process fixed-window budget per key, on rate-limiter-flexible's memory store.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimiter } from '@direct-upload/core';

export interface MemoryRateLimiterOptions {
  /** Actions allowed per key and window. */
  points: number;
  /** Length of the window, in seconds. */
  durationSeconds: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(options: MemoryRateLimiterOptions) {
    this.limiter = new RateLimiterMemory({ points: options.points, duration: options.durationSeconds });
  }

  async consume(key: string): Promise<RateLimitDecision> {
    try {
      const result = await this.limiter.consume(key);
      return { allowed: true, remaining: result.remainingPoints, retryAfterSeconds: 0 };
    } catch (refusal) {
      // The library rejects with its result object when the budget is spent, and with an Error otherwise.
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
    }
  }
}
