// The concurrency-limited queue: limit, order, failures and dequeuing.
import { describe, expect, it } from 'vitest';
import { createTaskQueue } from './task-queue.js';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('task queue', () => {
  it('runs at most `concurrency` tasks at once, in the order they came', async () => {
    const queue = createTaskQueue(2);
    const started: number[] = [];
    const gates = [0, 1, 2, 3, 4].map(() => gate());
    let maxRunning = 0;
    gates.forEach((g, i) =>
      queue.push(async () => {
        started.push(i);
        maxRunning = Math.max(maxRunning, queue.running);
        await g.promise;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(queue.waiting).toBe(3);
    gates[1]!.open();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    gates[2]!.open();
    await flush();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3]!.open();
    gates[4]!.open();
    await flush();
    expect(maxRunning).toBe(2);
    expect(queue.running).toBe(0);
  });

  it('goes on after a task fails', async () => {
    const queue = createTaskQueue(1);
    const ran: string[] = [];
    queue.push(async () => {
      throw new Error('boom');
    });
    queue.push(async () => void ran.push('second'));
    await flush();
    await flush();
    expect(ran).toEqual(['second']);
  });

  it('lets a waiting task leave the queue, but not a started one', async () => {
    const queue = createTaskQueue(1);
    const g = gate();
    const ran: string[] = [];
    const first = queue.push(async () => {
      ran.push('first');
      await g.promise;
    });
    const second = queue.push(async () => void ran.push('second'));
    await flush();
    expect(first.dequeue()).toBe(false);
    expect(second.dequeue()).toBe(true);
    g.open();
    await flush();
    await flush();
    expect(ran).toEqual(['first']);
  });

  it('treats the same function pushed twice as two tasks', async () => {
    const queue = createTaskQueue(1);
    const g = gate();
    let count = 0;
    queue.push(() => g.promise);
    const task = async () => void (count += 1);
    const a = queue.push(task);
    queue.push(task);
    expect(a.dequeue()).toBe(true);
    g.open();
    await flush();
    await flush();
    expect(count).toBe(1);
  });
});
