import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { isDomainError, type JobHandler } from '@direct-upload/core';
import { describeJobRunnerContract, until } from '@direct-upload/core/testing';
import { createTestDatabase, POSTGRES_URL, serviceAvailable } from '../../../test/services.js';
import { PgBossJobRunner, type PgBossJobRunnerOptions } from './pg-boss-job-runner.js';

const available = await serviceAvailable('PostgreSQL', POSTGRES_URL);

/** pg-boss's tables for this file only, dropped at the end. */
const SCHEMA = `du_jobs_${randomBytes(5).toString('hex')}`;
/** Nothing listens on port 1: connecting is refused. */
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/test';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));


const reported: unknown[] = [];
const runners: PgBossJobRunner[] = [];

/** A runner on this file's schema, polling often and retrying soon, so that tests run quickly. */
function runner(options: Partial<PgBossJobRunnerOptions> & { queue: string }): PgBossJobRunner {
  const made = new PgBossJobRunner({
    connectionString: POSTGRES_URL,
    schema: SCHEMA,
    concurrency: 0,
    pollingIntervalSeconds: 0.5,
    retryDelaySeconds: 1,
    stopGraceMs: 1_000,
    onError: (error) => reported.push(error),
    ...options,
  });
  runners.push(made);
  return made;
}

const newQueue = () => `q-${randomUUID()}`;

afterAll(async () => {
  await Promise.all(runners.map((made) => made.stop()));
  if (!available) return;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`drop schema if exists ${SCHEMA} cascade`);
  } finally {
    await admin.end();
  }
});

describe.skipIf(!available)('PgBossJobRunner', () => {
  describeJobRunnerContract('PgBossJobRunner', async ({ concurrency, stopGraceMs }) => {
    const queue = newQueue();
    return {
      producer: runner({ queue }),
      makeWorker: () => runner({ queue, concurrency, stopGraceMs }),
    };
  });

  it('lets two workers share the jobs, each job handled once', { timeout: 45_000 }, async () => {
    const queue = newQueue();
    const producer = runner({ queue });
    const workers = { a: runner({ queue, concurrency: 2 }), b: runner({ queue, concurrency: 2 }) };
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const handledBy = new Map<string, string[]>();
    const busy = new Set<string>();
    let both: Promise<void> | undefined;
    const handlerOf =
      (name: string): JobHandler =>
      async (id) => {
        busy.add(name);
        // Each worker's first jobs wait (once, for a while) until the other one works too: both get a share.
        both ??= until(() => busy.size === 2, 'both workers run jobs', 10_000).catch(() => undefined);
        await both;
        await sleep(5);
        handledBy.set(id, [...(handledBy.get(id) ?? []), name]);
      };
    await workers.a.work(handlerOf('a'));
    await workers.b.work(handlerOf('b'));
    for (const id of ids) await producer.enqueue(id);
    await until(() => handledBy.size === ids.length, 'every job is handled');
    // Let a duplicate delivery, if any, show up before counting.
    await sleep(1_000);
    for (const id of ids) expect(handledBy.get(id)).toHaveLength(1);
    const shares = [...handledBy.values()].flat();
    expect(shares.filter((name) => name === 'a').length).toBeGreaterThan(0);
    expect(shares.filter((name) => name === 'b').length).toBeGreaterThan(0);
  });

  it('queues one job for an upload enqueued several times while it waits', { timeout: 30_000 }, async () => {
    const queue = newQueue();
    const producer = runner({ queue });
    const [id, other] = [randomUUID(), randomUUID()];
    for (let i = 0; i < 3; i++) await producer.enqueue(id);
    await producer.enqueue(other);
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ upload_id: string; jobs: string }>(
        `select data->>'uploadId' as upload_id, count(*) as jobs from ${SCHEMA}.job where name = $1 group by 1`,
        [queue],
      );
      expect(Object.fromEntries(rows.map((row) => [row.upload_id, Number(row.jobs)]))).toEqual({ [id]: 1, [other]: 1 });
    } finally {
      await admin.end();
    }
  });

  it('hands a job it queued to its own idle worker at once, not after a polling interval', { timeout: 45_000 }, async () => {
    const queue = newQueue();
    // Polling every 30 s: a job found within a few seconds was not found by polling.
    const instance = runner({ queue, concurrency: 2, pollingIntervalSeconds: 30 });
    const handled: Array<{ id: string; at: number }> = [];
    await instance.work(async (id) => {
      handled.push({ id, at: Date.now() });
    });
    // Let the first fetches (which find nothing) finish, so both subscriptions wait out their interval.
    await sleep(1_500);
    for (const id of [randomUUID(), randomUUID()]) {
      const queuedAt = Date.now();
      await instance.enqueue(id);
      await until(() => handled.some((job) => job.id === id), 'the job is handled', 10_000);
      expect(handled.find((job) => job.id === id)!.at - queuedAt).toBeLessThan(10_000);
    }
  });

  it("hands a job another instance queued to an idle worker at once, through the queue's announcement", { timeout: 45_000 }, async () => {
    const queue = newQueue();
    const producer = runner({ queue });
    // Polling every 30 s: a job handled within a few seconds was announced, not found by polling.
    const worker = runner({ queue, concurrency: 1, pollingIntervalSeconds: 30 });
    const handled: string[] = [];
    await worker.work(async (id) => {
      handled.push(id);
    });
    // The first fetch (which finds nothing) is over and the worker waits out its interval.
    await sleep(1_500);
    for (const id of [randomUUID(), randomUUID()]) {
      await producer.enqueue(id);
      await until(() => handled.includes(id), 'the job is handled', 10_000);
    }
    expect(handled).toHaveLength(2);
  });

  it('retries a job whose handler threw, and reports the failure', { timeout: 45_000 }, async () => {
    const queue = newQueue();
    const producer = runner({ queue });
    const failures: Array<[unknown, string | undefined]> = [];
    const worker = runner({ queue, concurrency: 2, onError: (error, uploadId) => failures.push([error, uploadId]) });
    const ids = [randomUUID(), randomUUID()];
    const attempts = new Map<string, number>();
    const done = new Set<string>();
    await worker.work(async (id) => {
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
      done.add(id);
    });
    for (const id of ids) await producer.enqueue(id);
    await until(() => done.size === ids.length, 'both jobs succeed on their third attempt');
    for (const id of ids) expect(attempts.get(id)).toBe(3);
    expect(failures.map(([, uploadId]) => uploadId).sort()).toEqual([...ids, ...ids].sort());
  });

  it('aborts a handler whose job expired, and the job is retried', { timeout: 45_000 }, async () => {
    const queue = newQueue();
    // Expiry and retries are settings of the job, chosen by whoever enqueues it.
    const producer = runner({ queue, expireInSeconds: 1 });
    const worker = runner({ queue, concurrency: 1 });
    const id = randomUUID();
    const signals: AbortSignal[] = [];
    await worker.work(
      (_id, signal) =>
        new Promise<void>((resolve, reject) => {
          signals.push(signal);
          // The first attempt hangs until it is told to stop; the retry succeeds.
          if (signals.length > 1) return resolve();
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    await producer.enqueue(id);
    await until(() => signals.length === 2, 'the job is retried');
    expect(signals[0]!.aborted).toBe(true);
  });

  it('holds the next job back while a handler ignores its expiry, so concurrency stays bounded', { timeout: 60_000 }, async () => {
    const queue = newQueue();
    const producer = runner({ queue, retryLimit: 10, expireInSeconds: 1 });
    const worker = runner({ queue, concurrency: 1 });
    const [stuck, next] = [randomUUID(), randomUUID()];
    const events: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let active = 0;
    let most = 0;
    await worker.work(async (id) => {
      active++;
      most = Math.max(most, active);
      events.push(`start ${id}`);
      // The stuck handler disregards its signal altogether.
      if (id === stuck) await released;
      events.push(`end ${id}`);
      active--;
    });
    await producer.enqueue(stuck);
    await until(() => events.includes(`start ${stuck}`), 'the stuck job runs');
    await producer.enqueue(next);
    // Past the stuck job's expiry pg-boss moves on and fetches the next job, which must wait for the slot.
    await sleep(3_000);
    release();
    await until(() => events.includes(`end ${next}`), 'the next job runs once the slot is free');
    expect(most).toBe(1);
    expect(events.indexOf(`start ${next}`)).toBeGreaterThan(events.indexOf(`end ${stuck}`));
  });

  it('hands a job left by a stopped worker to another worker', { timeout: 45_000 }, async () => {
    const queue = newQueue();
    const producer = runner({ queue });
    const first = runner({ queue, concurrency: 1, stopGraceMs: 200 });
    const second = runner({ queue, concurrency: 1 });
    const id = randomUUID();
    let firstSignal: AbortSignal | undefined;
    await first.work(
      (_id, signal) =>
        new Promise<void>((_resolve, reject) => {
          firstSignal = signal;
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    await producer.enqueue(id);
    await until(() => firstSignal !== undefined, 'the first worker takes the job');
    await first.stop();
    expect(firstSignal!.aborted).toBe(true);
    const handled: string[] = [];
    await second.work(async (jobId) => {
      handled.push(jobId);
    });
    await until(() => handled.includes(id), 'the second worker takes the job over');
  });

  it('answers service_unavailable while PostgreSQL is unreachable, without crashing', { timeout: 30_000 }, async () => {
    const down = new PgBossJobRunner({ connectionString: UNREACHABLE, concurrency: 1, onError: () => undefined });
    const enqueued = await down.enqueue(randomUUID()).catch((error: unknown) => error);
    expect(isDomainError(enqueued, 'service_unavailable')).toBe(true);
    const worked = await down.work(async () => undefined).catch((error: unknown) => error);
    expect(isDomainError(worked, 'service_unavailable')).toBe(true);
    await down.stop();
    await expect(down.enqueue(randomUUID())).rejects.toSatisfy((error) => isDomainError(error, 'service_unavailable'));
  });
});

describe.skipIf(!available)('PgBossJobRunner start-up', () => {
  it('lets several instances start at once on a fresh database (pg-boss installing its schema)', { timeout: 60_000 }, async () => {
    for (let round = 0; round < 2; round++) {
      const database = await createTestDatabase('du_boss_start');
      const runners = Array.from({ length: 4 }, () => new PgBossJobRunner({ connectionString: database.url, concurrency: 1 }));
      try {
        const started = await Promise.allSettled(runners.map((runner) => runner.work(async () => {})));
        expect(started.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      } finally {
        await Promise.all(runners.map((runner) => runner.stop()));
        await database.drop();
      }
    }
  });
});
