import { describe, expect, it } from 'vitest';
import { DecodeGate } from './decode-gate.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('DecodeGate', () => {
  it('runs at most maxActive at once, queues up to maxWaiting, refuses the rest with 503', async () => {
    const gate = new DecodeGate(2, 1);
    let running = 0;
    let peak = 0;
    const blockers = [deferred(), deferred(), deferred()];
    const job = (i: number) =>
      gate.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await blockers[i]!.promise;
        running -= 1;
        return i;
      });
    const results = [job(0), job(1), job(2)];
    await expect(job(0)).rejects.toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 2 });
    blockers.forEach((b) => b.resolve());
    expect(await Promise.all(results)).toEqual([0, 1, 2]);
    expect(peak).toBe(2);
  });

  it('frees the slot when work fails, and drops a waiter whose signal aborts', async () => {
    const gate = new DecodeGate(1, 5);
    const blocker = deferred();
    const first = gate.run(() => blocker.promise);
    const controller = new AbortController();
    const waiter = gate.run(async () => 'never', controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiter).rejects.toThrow('gone');
    blocker.resolve();
    await first;
    await expect(gate.run(async () => Promise.reject(new Error('bad')))).rejects.toThrow('bad');
    expect(await gate.run(async () => 'ok')).toBe('ok');
  });
});
