// Contract of the RateLimiter port.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { RateLimiter } from '../src/index.js';

/** `create(points)` returns a limiter allowing `points` actions per key per minute. */
export function describeRateLimiterContract(name: string, create: (points: number) => Promise<RateLimiter>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    it('allows the budget, then refuses with a retry delay', async () => {
      const limiter = await create(3);
      const key = randomUUID();
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.consume(key));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
      expect(decisions[2]!.remaining).toBe(0);
      expect(decisions[3]!.retryAfterSeconds).toBeGreaterThan(0);
      expect(decisions[3]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    it('keeps keys apart', async () => {
      const limiter = await create(1);
      const [a, b] = [randomUUID(), randomUUID()];
      expect((await limiter.consume(a)).allowed).toBe(true);
      expect((await limiter.consume(a)).allowed).toBe(false);
      expect((await limiter.consume(b)).allowed).toBe(true);
    });

    it('counts concurrent actions exactly', async () => {
      const limiter = await create(5);
      const key = randomUUID();
      const decisions = await Promise.all(Array.from({ length: 12 }, () => limiter.consume(key)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    });
  });
}
