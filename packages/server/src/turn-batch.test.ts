import { describe, expect, it } from 'vitest';
import { TurnBatch, type ItemOutcome } from './turn-batch.js';

const settle = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

describe('TurnBatch', () => {
  it('runs the calls of one turn as one batch, in order, and later calls in another', async () => {
    const batches: number[][] = [];
    const batch = new TurnBatch<number, number>({ run: (items) => (batches.push(items), items.map((n) => ({ ok: true, value: n * 2 }))) });
    const first = await Promise.all([batch.submit(1), batch.submit(2), batch.submit(3)]);
    const second = await batch.submit(4);
    expect(first).toEqual([2, 4, 6]);
    expect(second).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('fails only the item whose outcome is an error', async () => {
    const batch = new TurnBatch<number, number>({
      run: (items) => items.map((n): ItemOutcome<number> => (n === 2 ? { ok: false, error: new Error('two') } : { ok: true, value: n })),
    });
    const results = await Promise.all([1, 2, 3].map((n) => settle(batch.submit(n))));
    expect(results[0]).toEqual({ value: 1 });
    expect((results[1] as { error: Error }).error.message).toBe('two');
    expect(results[2]).toEqual({ value: 3 });
  });

  it('fails every item of a batch whose run throws, and keeps serving later batches', async () => {
    let calls = 0;
    const batch = new TurnBatch<number, number>({
      run: (items) => {
        if (calls++ === 0) throw new Error('disk full');
        return items.map((n) => ({ ok: true, value: n }));
      },
    });
    const failed = await Promise.all([settle(batch.submit(1)), settle(batch.submit(2))]);
    expect(failed.map((r) => (r as { error: Error }).error.message)).toEqual(['disk full', 'disk full']);
    expect(await batch.submit(3)).toBe(3);
  });

  it('splits a turn into batches of at most maxItems', async () => {
    const sizes: number[] = [];
    const batch = new TurnBatch<number, number>({ maxItems: 4, run: (items) => (sizes.push(items.length), items.map((n) => ({ ok: true, value: n }))) });
    await Promise.all(Array.from({ length: 10 }, (_, i) => batch.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('waits while not ready, then runs', async () => {
    let ready = false;
    const batch = new TurnBatch<number, number>({ ready: () => ready, run: (items) => items.map((n) => ({ ok: true, value: n })) });
    let done = false;
    const pending = batch.submit(7).then((v) => ((done = true), v));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    ready = true;
    expect(await pending).toBe(7);
  });

  it('flush runs what waits at once', async () => {
    const seen: number[] = [];
    const batch = new TurnBatch<number, number>({ run: (items) => (seen.push(...items), items.map((n) => ({ ok: true, value: n }))) });
    const pending = batch.submit(5);
    batch.flush();
    expect(seen).toEqual([5]);
    expect(await pending).toBe(5);
  });
});
