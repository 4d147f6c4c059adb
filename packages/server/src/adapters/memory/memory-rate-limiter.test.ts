import { describe, expect, it } from 'vitest';
import { describeRateLimiterContract } from '@direct-upload/core/testing';
import { MemoryRateLimiter } from './memory-rate-limiter.js';

describeRateLimiterContract('MemoryRateLimiter', async (points) => new MemoryRateLimiter({ points, durationSeconds: 60 }));

describe('MemoryRateLimiter', () => {
  it('counts down what remains of the budget', async () => {
    const limiter = new MemoryRateLimiter({ points: 3, durationSeconds: 60 });
    const remaining = [];
    for (let i = 0; i < 3; i++) remaining.push((await limiter.consume('k')).remaining);
    expect(remaining).toEqual([2, 1, 0]);
  });

  it('asks a refused caller to wait at least one second, and no longer than the window', async () => {
    const limiter = new MemoryRateLimiter({ points: 1, durationSeconds: 1 });
    await limiter.consume('k');
    const refused = await limiter.consume('k');
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterSeconds).toBe(1);
  });
});
