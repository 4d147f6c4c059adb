import { describe, expect, it } from 'vitest';
import { describeJobRunnerContract, until } from '@direct-upload/core/testing';
import { InProcessJobRunner } from './in-process-job-runner.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));


describeJobRunnerContract('InProcessJobRunner', async ({ concurrency, stopGraceMs }) => {
  const runner = new InProcessJobRunner({ concurrency, stopGraceMs, onError: () => undefined });
  return { producer: runner, makeWorker: () => runner };
});

describe('InProcessJobRunner', () => {
  it('does nothing on enqueue with concurrency 0, so an API-only instance keeps no queue', async () => {
    const runner = new InProcessJobRunner({ concurrency: 0 });
    const handled: string[] = [];
    for (let i = 0; i < 100; i++) await runner.enqueue(`upload-${i}`);
    expect(runner.queued).toBe(0);
    await runner.work(async (id) => {
      handled.push(id);
    });
    await runner.enqueue('upload-after-work');
    await sleep(50);
    expect(handled).toEqual([]);
    expect(runner.queued).toBe(0);
    await runner.stop();
  });

  it('keeps one entry per waiting id and runs them in order', async () => {
    const runner = new InProcessJobRunner({ concurrency: 1 });
    for (const id of ['a', 'b', 'a', 'c', 'b']) await runner.enqueue(id);
    expect(runner.queued).toBe(3);
    const handled: string[] = [];
    await runner.work(async (id) => {
      handled.push(id);
    });
    await until(() => handled.length === 3, 'the waiting ids are handled');
    await sleep(20);
    expect(handled).toEqual(['a', 'b', 'c']);
    await runner.stop();
  });

  it('queues an id again while its job runs, since the upload may need another attempt', async () => {
    const runner = new InProcessJobRunner({ concurrency: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    await runner.work(async (id) => {
      handled.push(id);
      if (handled.length === 1) await released;
    });
    await runner.enqueue('a');
    await until(() => handled.length === 1, 'the first run starts');
    await runner.enqueue('a');
    await runner.enqueue('a');
    expect(runner.queued).toBe(1);
    release();
    await until(() => handled.length === 2, 'the second run starts');
    expect(handled).toEqual(['a', 'a']);
    await runner.stop();
  });

  it('reports what a handler threw, with the upload id, and survives a reporter that throws', async () => {
    const reported: Array<[unknown, string | undefined]> = [];
    const runner = new InProcessJobRunner({
      concurrency: 1,
      onError: (error, uploadId) => {
        reported.push([error, uploadId]);
        throw new Error('the reporter fails too');
      },
    });
    const failure = new Error('decode failed');
    const handled: string[] = [];
    await runner.work(async (id) => {
      if (id === 'bad') throw failure;
      handled.push(id);
    });
    await runner.enqueue('bad');
    await runner.enqueue('good');
    await until(() => handled.includes('good'), 'the next job runs');
    expect(reported).toEqual([[failure, 'bad']]);
    await runner.stop();
  });

  it('drops the ids still waiting on stop and ignores enqueues afterwards', async () => {
    const runner = new InProcessJobRunner({ concurrency: 1 });
    for (const id of ['a', 'b', 'c']) await runner.enqueue(id);
    await runner.stop();
    expect(runner.queued).toBe(0);
    await runner.enqueue('d');
    expect(runner.queued).toBe(0);
    const handled: string[] = [];
    await runner.work(async (id) => {
      handled.push(id);
    });
    await sleep(20);
    expect(handled).toEqual([]);
  });

  it('refuses a second handler and a bad concurrency', async () => {
    expect(() => new InProcessJobRunner({ concurrency: -1 })).toThrow(RangeError);
    expect(() => new InProcessJobRunner({ concurrency: 1.5 })).toThrow(RangeError);
    const runner = new InProcessJobRunner({ concurrency: 1 });
    await runner.work(async () => undefined);
    await expect(runner.work(async () => undefined)).rejects.toThrow(/already working/);
    await runner.stop();
  });
});
