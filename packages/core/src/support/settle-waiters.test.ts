import { describe, expect, it } from 'vitest';
import { leavesProcessing, SettleWaiters } from './settle-waiters.js';

const outcome = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => 'woken'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

describe('SettleWaiters', () => {
  it('wakes the waiters of one id only', async () => {
    const waiters = new SettleWaiters();
    const a = waiters.wait('a', 10_000);
    const b = waiters.wait('b', 10_000);
    waiters.wake('a');
    expect(await outcome(a, 50)).toBe('woken');
    expect(await outcome(b, 50)).toBe('still waiting');
    expect(waiters.size).toBe(1);
    waiters.wakeAll();
    expect(await outcome(b, 50)).toBe('woken');
    expect(waiters.size).toBe(0);
  });

  it('hands each waiter what wake was given, and null otherwise', async () => {
    const waiters = new SettleWaiters<{ n: number }>();
    const a = waiters.wait('a', 10_000);
    const b = waiters.wait('b', 20);
    waiters.wake('a', { n: 1 });
    expect(await a).toEqual({ n: 1 });
    expect(await b).toBeNull();
  });

  it('gives up after the timeout, and at once for none', async () => {
    const waiters = new SettleWaiters();
    const started = Date.now();
    await waiters.wait('a', 30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(await outcome(waiters.wait('a', 0), 20)).toBe('woken');
    expect(waiters.size).toBe(0);
  });

  it('stops waiting when the signal aborts, and forgets the waiter', async () => {
    const waiters = new SettleWaiters();
    const controller = new AbortController();
    const waiting = waiters.wait('a', 10_000, controller.signal);
    controller.abort();
    expect(await outcome(waiting, 50)).toBe('woken');
    expect(waiters.size).toBe(0);
    expect(await outcome(waiters.wait('a', 10_000, controller.signal), 20)).toBe('woken');
  });

  it('tells which changes leave processing', () => {
    expect(leavesProcessing('processing', 'ready')).toBe(true);
    expect(leavesProcessing('processing', 'rejected')).toBe(true);
    expect(leavesProcessing('processing', undefined)).toBe(false);
    expect(leavesProcessing('processing', 'processing')).toBe(false);
    expect(leavesProcessing('pending', 'processing')).toBe(false);
  });
});
