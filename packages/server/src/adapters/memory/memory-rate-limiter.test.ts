import { describe, expect, it } from 'vitest';
import { describeRateLimiterContract } from '@direct-upload/core/testing';
import { MemoryRateLimiter } from './memory-rate-limiter.js';

describeRateLimiterContract('MemoryRateLimiter', async (points) => new MemoryRateLimiter({ points, durationSeconds: 60 }));

/** A limiter on a clock the test moves, in milliseconds. */
function onClock(points: number, durationSeconds: number) {
  const clock = { ms: 1_000 };
  const limiter = new MemoryRateLimiter({ points, durationSeconds, now: () => clock.ms });
  return { limiter, clock };
}

describe('MemoryRateLimiter', () => {
  it('counts down what remains of the budget', async () => {
    const limiter = new MemoryRateLimiter({ points: 3, durationSeconds: 60 });
    const remaining = [];
    for (let i = 0; i < 3; i++) remaining.push((await limiter.consume('k')).remaining);
    expect(remaining).toEqual([2, 1, 0]);
    limiter.close();
  });

  it('asks a refused caller to wait until its window ends, at least one second', async () => {
    const { limiter, clock } = onClock(1, 60);
    await limiter.consume('k');
    clock.ms += 45_500;
    expect(await limiter.consume('k')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 15 });
    clock.ms += 14_000; // half a second left
    expect((await limiter.consume('k')).retryAfterSeconds).toBe(1);
    limiter.close();
  });

  it('starts a new window at the first action after one ends, refused actions counted in theirs', async () => {
    const { limiter, clock } = onClock(2, 10);
    const allowed = async () => (await limiter.consume('k')).allowed;
    expect([await allowed(), await allowed(), await allowed()]).toEqual([true, true, false]);
    clock.ms += 9_999;
    expect(await allowed()).toBe(false);
    clock.ms += 1;
    // The window began at the first action, so it ends exactly 10 s later.
    expect([await allowed(), await allowed(), await allowed()]).toEqual([true, true, false]);
    clock.ms += 5_000;
    expect(await allowed()).toBe(false);
    limiter.close();
  });

  it('drops the keys whose window has ended, and keeps the others', async () => {
    const { limiter, clock } = onClock(5, 10);
    await limiter.consume('old');
    clock.ms += 6_000;
    await limiter.consume('recent');
    clock.ms += 4_000;
    limiter.sweep();
    expect(limiter.size).toBe(1);
    // The key that stayed still has its count.
    for (let i = 0; i < 4; i++) await limiter.consume('recent');
    expect((await limiter.consume('recent')).allowed).toBe(false);
    clock.ms += 10_000;
    limiter.sweep();
    expect(limiter.size).toBe(0);
  });

  it('refuses a budget that is not a whole number, and a window that is not positive', () => {
    expect(() => new MemoryRateLimiter({ points: 1.5, durationSeconds: 60 })).toThrow(/points/);
    expect(() => new MemoryRateLimiter({ points: 1, durationSeconds: 0 })).toThrow(/durationSeconds/);
  });
});
