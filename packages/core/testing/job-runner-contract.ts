// Contract of the JobRunner port: delivery, bounded concurrency, surviving failing handlers, graceful stop.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { JobHandler, JobRunner } from '../src/index.js';
import { until } from './until.js';

/** What each test asks of the runners it gets. */
export interface JobRunnerContractConfig {
  /** Handlers one worker runs at once. */
  concurrency: number;
  /** The worker's grace period in `stop()` before it aborts running handlers. */
  stopGraceMs: number;
}

export interface JobRunnerContractSetup {
  /** Enqueues the jobs; the suite never calls `work` on it unless it is also the worker. */
  producer: JobRunner;
  /**
   * A runner that works the producer's jobs with the given config: the producer itself for a runner in this
   * process, a separate instance where a worker process would be one. The suite stops every runner it gets.
   */
  makeWorker: () => JobRunner;
  close?: () => Promise<void>;
}

const TEST_TIMEOUT_MS = 45_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));


/** Resolves after `ms`, or rejects with the signal's reason once it is aborted. */
function waitOrAbort(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function ids(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID());
}

/**
 * `setup(config)` answers fresh runners for one test, configured as asked; jobs of one test must not reach
 * another (a fresh queue each time).
 */
export function describeJobRunnerContract(
  name: string,
  setup: (config: JobRunnerContractConfig) => Promise<JobRunnerContractSetup>,
): void {
  /** Runs `body` with fresh runners, and stops them and closes the setup whatever happens. */
  async function withRunners(
    config: JobRunnerContractConfig,
    body: (producer: JobRunner, makeWorker: () => JobRunner) => Promise<void>,
  ): Promise<void> {
    const made = await setup(config);
    const workers: JobRunner[] = [];
    try {
      await body(made.producer, () => {
        const worker = made.makeWorker();
        workers.push(worker);
        return worker;
      });
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
      await made.producer.stop();
      await made.close?.();
    }
  }

  describe(`JobRunner contract: ${name}`, () => {
    it('handles every enqueued id at least once, also those enqueued before work', { timeout: TEST_TIMEOUT_MS }, () =>
      withRunners({ concurrency: 4, stopGraceMs: 1_000 }, async (producer, makeWorker) => {
        const [early, late] = [ids(25), ids(25)];
        const handled = new Set<string>();
        for (const id of early) await producer.enqueue(id);
        const worker = makeWorker();
        await worker.work(async (id) => {
          handled.add(id);
        });
        for (const id of late) await producer.enqueue(id);
        await until(() => handled.size === 50, 'all 50 ids are handled');
        expect([...handled].sort()).toEqual([...early, ...late].sort());
      }),
    );

    it('never runs more handlers at once than its concurrency, and does run that many', { timeout: TEST_TIMEOUT_MS }, () =>
      withRunners({ concurrency: 3, stopGraceMs: 1_000 }, async (producer, makeWorker) => {
        const all = ids(12);
        const handled = new Set<string>();
        let active = 0;
        let most = 0;
        let together: Promise<void> | undefined;
        for (const id of all) await producer.enqueue(id);
        const worker = makeWorker();
        await worker.work(async (id) => {
          active++;
          most = Math.max(most, active);
          try {
            // The first handlers wait for each other (once, for a while), which shows the runner runs 3 at once.
            together ??= until(() => most >= 3, '3 handlers run at once', 10_000).catch(() => undefined);
            await together;
            await sleep(10);
            handled.add(id);
          } finally {
            active--;
          }
        });
        await until(() => handled.size === all.length, 'all ids are handled');
        expect(most).toBe(3);
      }),
    );

    it('carries on after handlers that throw or reject', { timeout: TEST_TIMEOUT_MS }, () =>
      withRunners({ concurrency: 2, stopGraceMs: 1_000 }, async (producer, makeWorker) => {
        const [throwing, rejecting] = ids(2);
        const good = ids(10);
        const handled = new Set<string>();
        const failures = new Map<string, number>();
        const worker = makeWorker();
        const handler: JobHandler = (id) => {
          if (id === throwing || id === rejecting) failures.set(id, (failures.get(id) ?? 0) + 1);
          if (id === throwing) throw new Error('handler threw');
          if (id === rejecting) return Promise.reject(new Error('handler rejected'));
          handled.add(id);
          return Promise.resolve();
        };
        await worker.work(handler);
        await producer.enqueue(throwing!);
        await producer.enqueue(rejecting!);
        for (const id of good) await producer.enqueue(id);
        await until(() => handled.size === good.length, 'the other ids are handled');
        expect(failures.get(throwing!)).toBeGreaterThanOrEqual(1);
        expect(failures.get(rejecting!)).toBeGreaterThanOrEqual(1);
        // Later jobs still run after the failures.
        const after = randomUUID();
        await producer.enqueue(after);
        await until(() => handled.has(after), 'a job enqueued after the failures is handled');
      }),
    );

    it('stop() waits for a running handler to finish, without aborting it within the grace period', { timeout: TEST_TIMEOUT_MS }, () =>
      withRunners({ concurrency: 1, stopGraceMs: 15_000 }, async (producer, makeWorker) => {
        const [id] = ids(1);
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const events: string[] = [];
        let seenSignal: AbortSignal | undefined;
        const worker = makeWorker();
        await worker.work(async (_id, signal) => {
          seenSignal = signal;
          events.push('started');
          await released;
          events.push('finished');
        });
        await producer.enqueue(id!);
        await until(() => events.includes('started'), 'the handler runs');
        const stopped = worker.stop().then(() => events.push('stopped'));
        await sleep(300);
        release();
        await stopped;
        expect(events).toEqual(['started', 'finished', 'stopped']);
        expect(seenSignal?.aborted).toBe(false);
      }),
    );

    it('stop() aborts the signal of a handler still running after the grace period, then waits for it', { timeout: TEST_TIMEOUT_MS }, () =>
      withRunners({ concurrency: 2, stopGraceMs: 300 }, async (producer, makeWorker) => {
        const [id] = ids(1);
        const events: string[] = [];
        let seenSignal: AbortSignal | undefined;
        const worker = makeWorker();
        await worker.work(async (_id, signal) => {
          seenSignal = signal;
          events.push('started');
          try {
            // Bounded, so that a runner that never aborts fails the assertion below instead of timing out.
            await waitOrAbort(signal, 10_000);
          } finally {
            // Settling takes a moment after the abort: stop() must still wait for it.
            await sleep(50);
            events.push('settled');
          }
        });
        await producer.enqueue(id!);
        await until(() => events.includes('started'), 'the handler runs');
        await worker.stop();
        events.push('stopped');
        expect(events).toEqual(['started', 'settled', 'stopped']);
        expect(seenSignal?.aborted).toBe(true);
      }),
    );

    it('runs no new job after stop()', { timeout: TEST_TIMEOUT_MS }, () =>
      withRunners({ concurrency: 1, stopGraceMs: 5_000 }, async (producer, makeWorker) => {
        const [first, ...rest] = ids(6);
        const started: string[] = [];
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const worker = makeWorker();
        await worker.work(async (id) => {
          started.push(id);
          if (id === first) await released;
        });
        await producer.enqueue(first!);
        await until(() => started.includes(first!), 'the first job runs');
        // Waiting behind the running job when the worker stops: none of these may start.
        for (const id of rest.slice(0, 3)) await producer.enqueue(id);
        const stopped = worker.stop();
        release();
        await stopped;
        // Enqueued after the stop: a stopped worker must not take these either.
        for (const id of rest.slice(3)) await producer.enqueue(id).catch(() => undefined);
        // Long enough for a polling worker to have looked several times.
        await sleep(1_500);
        expect(started).toEqual([first]);
      }),
    );
  });
}
