// InProcessJobRunner: the embedded default; processes uploads in this process, a bounded number at a time.
import type { JobHandler, JobRunner } from '@direct-upload/core';
import { reportSafely, type JobErrorReporter } from './report-error.js';

export interface InProcessJobRunnerOptions {
  /**
   * Handlers running at once. 0 makes an instance that only serves the API: its `enqueue` does nothing, because
   * an instance that never works must not pile up ids in memory; the reconciler and a separate worker find the work.
   */
  concurrency: number;
  /** How long `stop()` lets running handlers finish before aborting their signals; default 10 s. */
  stopGraceMs?: number;
  /** Receives what a handler threw; the runner carries on with the next job. Defaults to `console.error`. */
  onError?: JobErrorReporter;
}

interface RunningJob {
  readonly controller: AbortController;
  settled?: Promise<void>;
}

/**
 * Delivery is best effort: queued ids live in memory only and are dropped by `stop()` or a crash. That is enough
 * because handlers are idempotent and the reconciler re-enqueues uploads whose processing lease ran out.
 */
export class InProcessJobRunner implements JobRunner {
  private readonly concurrency: number;
  private readonly stopGraceMs: number;
  private readonly onError: JobErrorReporter | undefined;
  /** Ids waiting, oldest first; a Set keeps insertion order and ignores an id that is already waiting. */
  private readonly waiting = new Set<string>();
  private readonly running = new Set<RunningJob>();
  private handler: JobHandler | undefined;
  private closing = false;
  private stopped: Promise<void> | undefined;

  constructor(options: InProcessJobRunnerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 0) {
      throw new RangeError('concurrency must be an integer >= 0');
    }
    const stopGraceMs = options.stopGraceMs ?? 10_000;
    if (!(stopGraceMs >= 0)) throw new RangeError('stopGraceMs must be >= 0');
    this.concurrency = options.concurrency;
    this.stopGraceMs = stopGraceMs;
    this.onError = options.onError;
  }

  /** Ids waiting for a free handler (not counting those running). */
  get queued(): number {
    return this.waiting.size;
  }

  async enqueue(uploadId: string): Promise<void> {
    if (this.concurrency === 0 || this.closing) return;
    this.waiting.add(uploadId);
    this.fill();
  }

  async work(handler: JobHandler): Promise<void> {
    if (this.handler) throw new Error('InProcessJobRunner is already working');
    if (this.concurrency === 0 || this.closing) return;
    this.handler = handler;
    this.fill();
  }

  stop(): Promise<void> {
    this.stopped ??= this.drain();
    return this.stopped;
  }

  private async drain(): Promise<void> {
    this.closing = true;
    // Dropped ids are not lost for good: their uploads' leases run out and the reconciler enqueues them again.
    this.waiting.clear();
    if (this.running.size === 0) return;
    const grace = setTimeout(() => {
      for (const job of this.running) job.controller.abort(new DOMException('The job runner is stopping', 'AbortError'));
    }, this.stopGraceMs);
    try {
      await Promise.all([...this.running].map((job) => job.settled));
    } finally {
      clearTimeout(grace);
    }
  }

  /** Starts waiting jobs while handlers are free. */
  private fill(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closing && this.running.size < this.concurrency) {
      const next = this.waiting.values().next();
      if (next.done) return;
      this.waiting.delete(next.value);
      const job: RunningJob = { controller: new AbortController() };
      this.running.add(job);
      job.settled = this.run(job, handler, next.value);
    }
  }

  private async run(job: RunningJob, handler: JobHandler, uploadId: string): Promise<void> {
    try {
      // Yield first, so a handler never runs inside the caller of `enqueue` or `work`.
      await null;
      await handler(uploadId, job.controller.signal);
    } catch (error) {
      reportSafely(this.onError, error, uploadId);
    } finally {
      this.running.delete(job);
      this.fill();
    }
  }
}
