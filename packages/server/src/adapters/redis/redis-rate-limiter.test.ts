import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DomainError, isDomainError } from '@direct-upload/core';
import { describeRateLimiterContract } from '@direct-upload/core/testing';
import { REDIS_URL, serviceAvailable } from '../../../test/services.js';
import { closeRedis, createRedisClient, pingRedis } from './redis-client.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { startTcpProxy } from './tcp-proxy-fixture.js';

const available = await serviceAvailable('Redis', REDIS_URL);

/** Every key of this run lives under this prefix, so runs never collide and cleanup finds them all. */
const runPrefix = `du-test:${randomUUID()}`;
let prefixes = 0;
const uniquePrefix = () => `${runPrefix}:${++prefixes}`;

/** A URL where nothing listens: a port just released by the system. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `redis://127.0.0.1:${port}`;
}

/** Waits for one `event`; unlike `events.once`, an 'error' meanwhile (a refused reconnection) does not reject. */
function nextEvent(emitter: Redis, event: 'ready' | 'reconnecting'): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

/** Collects what must never happen: rejections nobody handles and exceptions nobody catches. */
function watchForStrayErrors(): { errors: unknown[]; stop(): Promise<void> } {
  const errors: unknown[] = [];
  const record = (error: unknown) => errors.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    errors,
    async stop() {
      // Let late rejections from the client surface before looking.
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}

const clients: Redis[] = [];
const client = (url: string, options?: Parameters<typeof createRedisClient>[1]) => {
  const created = createRedisClient(url, options);
  clients.push(created);
  return created;
};
afterEach(async () => {
  await Promise.all(clients.splice(0).map(closeRedis));
});

describe.skipIf(!available)('RedisRateLimiter on a live Redis', () => {
  let redis: Redis;

  beforeAll(async () => {
    // Outlives afterEach: the contract suite's limiters all share it.
    redis = createRedisClient(REDIS_URL);
    await pingRedis(redis);
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${runPrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await closeRedis(redis);
  });

  describeRateLimiterContract('RedisRateLimiter', async (points) =>
    new RedisRateLimiter({ client: redis, keyPrefix: uniquePrefix(), points, durationSeconds: 60 }),
  );

  it('shares one budget between instances that each have their own connection', async () => {
    const [a, b] = [client(REDIS_URL), client(REDIS_URL)];
    await Promise.all([pingRedis(a), pingRedis(b)]);
    const keyPrefix = uniquePrefix();
    const limiters = [a, b].map((c) => new RedisRateLimiter({ client: c, keyPrefix, points: 10, durationSeconds: 60 }));
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => limiters[i % 2]!.consume('owner-1')));
    const allowed = decisions.filter((d) => d.allowed);
    expect(allowed).toHaveLength(10);
    // Each allowed action saw a distinct count: none was lost or counted twice between the two connections.
    expect(allowed.map((d) => d.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds >= 1 && d.retryAfterSeconds <= 60)).toBe(true);
  });

  it('keeps the budgets of limiters with different prefixes apart', async () => {
    const [owner, ip] = [uniquePrefix(), uniquePrefix()].map(
      (keyPrefix) => new RedisRateLimiter({ client: redis, keyPrefix, points: 1, durationSeconds: 60 }),
    );
    expect((await owner!.consume('same-key')).allowed).toBe(true);
    expect((await owner!.consume('same-key')).allowed).toBe(false);
    expect((await ip!.consume('same-key')).allowed).toBe(true);
  });

  it('stores each key under its prefix with the window as expiry, so Redis never keeps it longer', async () => {
    const keyPrefix = uniquePrefix();
    await new RedisRateLimiter({ client: redis, keyPrefix, points: 5, durationSeconds: 30 }).consume('k');
    expect(await redis.get(`${keyPrefix}:k`)).toBe('1');
    const ttl = await redis.pttl(`${keyPrefix}:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('answers 503 while Redis is gone, and counts again in Redis once it is back', async () => {
    const proxy = await startTcpProxy(REDIS_URL);
    try {
      const viaProxy = client(proxy.url);
      await pingRedis(viaProxy);
      const limiter = new RedisRateLimiter({ client: viaProxy, keyPrefix: uniquePrefix(), points: 2, durationSeconds: 60 });
      expect(await limiter.consume('k')).toMatchObject({ allowed: true, remaining: 1 });

      await proxy.stop();
      await nextEvent(viaProxy, 'reconnecting');
      await expect(limiter.consume('k')).rejects.toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 5 });
      await expect(pingRedis(viaProxy)).rejects.toMatchObject({ code: 'service_unavailable' });

      await proxy.start();
      await nextEvent(viaProxy, 'ready');
      // The count made before the outage survived in Redis.
      expect(await limiter.consume('k')).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.consume('k')).allowed).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  it('answers 503 when a connected Redis stops replying, instead of holding the request', async () => {
    const proxy = await startTcpProxy(REDIS_URL);
    try {
      const viaProxy = client(proxy.url, { commandTimeoutMs: 200 });
      await pingRedis(viaProxy);
      const limiter = new RedisRateLimiter({ client: viaProxy, keyPrefix: uniquePrefix(), points: 2, durationSeconds: 60 });
      proxy.stall();
      const failure = await limiter.consume('k').catch((error: unknown) => error);
      expect(isDomainError(failure, 'service_unavailable')).toBe(true);
      expect(((failure as DomainError).cause as Error).message).toMatch(/timed out/i);
    } finally {
      await proxy.stop();
    }
  });

  it('resolves a ping', async () => {
    await expect(pingRedis(redis)).resolves.toBeUndefined();
  });
});

describe('RedisRateLimiter on a Redis that is down', () => {
  it('refuses with service_unavailable and a retry delay, never with a stray error', async () => {
    const stray = watchForStrayErrors();
    const logged: Array<[Error, number]> = [];
    const down = client(await closedPortUrl(), { onError: (error, suppressed) => logged.push([error, suppressed]) });
    const limiter = new RedisRateLimiter({ client: down, keyPrefix: uniquePrefix(), points: 3, durationSeconds: 60 });

    // Before the first connection attempt has even failed...
    expect(down.status).toBe('connecting');
    const first = await limiter.consume('k').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(DomainError);
    expect(first).toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 5 });

    // ...and between reconnection attempts, after several have failed.
    for (let i = 0; i < 3; i++) await nextEvent(down, 'reconnecting');
    await expect(limiter.consume('k')).rejects.toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 5 });

    // Every attempt failed, but the log got one line.
    expect(logged).toHaveLength(1);
    expect(logged[0]![0].message).toMatch(/ECONNREFUSED/);
    await stray.stop();
    expect(stray.errors).toEqual([]);
  });

  it('with the memory fallback, still enforces the budget within the process and reports why', async () => {
    const stray = watchForStrayErrors();
    const fallbacks: Error[] = [];
    const down = client(await closedPortUrl());
    const limiter = new RedisRateLimiter({
      client: down,
      keyPrefix: uniquePrefix(),
      points: 3,
      durationSeconds: 60,
      fallback: 'memory',
      onFallback: (error) => fallbacks.push(error),
    });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('k'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[3]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await limiter.consume('other')).allowed).toBe(true);
    expect(fallbacks).toHaveLength(5);
    expect(fallbacks.every((error) => error instanceof Error)).toBe(true);
    await stray.stop();
    expect(stray.errors).toEqual([]);
  });

  it('rejects a ping with service_unavailable', async () => {
    const down = client(await closedPortUrl());
    await expect(pingRedis(down)).rejects.toMatchObject({ code: 'service_unavailable' });
    // Also between attempts, without waiting for the next one.
    await nextEvent(down, 'reconnecting');
    await expect(pingRedis(down)).rejects.toMatchObject({ code: 'service_unavailable' });
  });

  it('rejects a ping with the reason of an aborted signal', async () => {
    const down = client(await closedPortUrl());
    const controller = new AbortController();
    const reason = new Error('shutting down');
    controller.abort(reason);
    await expect(pingRedis(down, controller.signal)).rejects.toBe(reason);
  });

  it('refuses nonsensical budgets', async () => {
    const down = client(await closedPortUrl());
    expect(() => new RedisRateLimiter({ client: down, keyPrefix: 'p', points: 0, durationSeconds: 60 })).toThrow(RangeError);
    expect(() => new RedisRateLimiter({ client: down, keyPrefix: 'p', points: 3, durationSeconds: 0.5 })).toThrow(RangeError);
    expect(() => new RedisRateLimiter({ client: down, keyPrefix: '', points: 3, durationSeconds: 60 })).toThrow(RangeError);
  });
});
