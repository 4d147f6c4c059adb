// PgBossJobRunner: jobs kept in PostgreSQL by pg-boss, so API instances enqueue and separate workers run them.
import pg from 'pg';
import PgBoss from 'pg-boss';
import { unavailable, type JobHandler, type JobRunner } from '@direct-upload/core';
import { PgChannelListener } from '../postgres/pg-channel-listener.js';
import { announcingDb, JOBS_CHANNEL } from './job-announcement.js';
import { reportSafely, type JobErrorReporter } from './report-error.js';

export interface PgBossJobRunnerOptions {
  connectionString: string;
  /** Name of the pg-boss queue; default 'direct-upload-process'. */
  queue?: string;
  /** Jobs this instance runs at once after `work`; 0 for an instance that only enqueues. */
  concurrency: number;
  /** Schema holding pg-boss's tables; default 'pgboss'. */
  schema?: string;
  /**
   * Attempts after the first when a handler throws or its job expires; default 3. This and the next two are
   * written into each job by the instance that enqueues it.
   */
  retryLimit?: number;
  /** Delay before the first retry, roughly doubling with each further one; default 5 s. */
  retryDelaySeconds?: number;
  /**
   * How long one attempt may run: then its signal is aborted and pg-boss fails the job (to be retried).
   * Keep it at the processing lease; default 300 s.
   */
  expireInSeconds?: number;
  /**
   * How often an idle worker looks for jobs; default 0.5 s (pg-boss's least). Each queued job is also
   * announced on a PostgreSQL channel that working instances listen on, so an idle worker fetches it
   * at once; polling finds what an announcement missed (a listening connection down, say).
   */
  pollingIntervalSeconds?: number;
  /** How long `stop()` lets running handlers finish before aborting their signals; default 10 s. */
  stopGraceMs?: number;
  /** Receives handler failures (with the upload id) and pg-boss's own errors; defaults to `console.error`. */
  onError?: JobErrorReporter;
}

interface JobData {
  uploadId?: unknown;
}

interface RunningJob {
  readonly controller: AbortController;
  readonly settled: Promise<void>;
  readonly settle: () => void;
}

/** The handle of one pg-boss work subscription; its id is known only once `work` has answered. */
interface Subscription {
  id?: string;
  /** Handling a fetched job: it fetches again as soon as it is done. */
  busy?: boolean;
}

/** Advisory lock serializing pg-boss start-ups ("dubs" in ASCII); other locks of ours use other keys. */
const START_LOCK_KEY = 0x64756273;

const STOPPING = () => new DOMException('The job runner is stopping', 'AbortError');

export class PgBossJobRunner implements JobRunner {
  private readonly connectionString: string;
  private readonly queue: string;
  private readonly concurrency: number;
  private readonly schema: string | undefined;
  private readonly retryLimit: number;
  private readonly retryDelaySeconds: number;
  private readonly expireInSeconds: number;
  private readonly pollingIntervalSeconds: number;
  private readonly stopGraceMs: number;
  private readonly onError: JobErrorReporter | undefined;
  /** What a job of this queue is announced with: the same queue name may live in another schema. */
  private readonly announcement: string;

  private boss: Promise<PgBoss> | undefined;
  private subscribing: Promise<void> | undefined;
  private readonly subscriptions: Subscription[] = [];
  /** Hears the jobs other instances queue (working instances only). */
  private listener: PgChannelListener | undefined;
  private readonly running = new Set<RunningJob>();
  /** Jobs fetched while every slot was taken, waiting for one to free up. */
  private readonly slotWaiters = new Set<() => void>();
  private readonly closing = new AbortController();
  private stopped: Promise<void> | undefined;

  constructor(options: PgBossJobRunnerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 0) {
      throw new RangeError('concurrency must be an integer >= 0');
    }
    this.connectionString = options.connectionString;
    this.queue = options.queue ?? 'direct-upload-process';
    this.concurrency = options.concurrency;
    this.schema = options.schema;
    this.retryLimit = options.retryLimit ?? 3;
    this.retryDelaySeconds = options.retryDelaySeconds ?? 5;
    this.expireInSeconds = options.expireInSeconds ?? 300;
    this.pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    this.onError = options.onError;
    this.announcement = `${this.schema ?? 'pgboss'}.${this.queue}`;
    if (!(this.stopGraceMs >= 0)) throw new RangeError('stopGraceMs must be >= 0');
  }

  async enqueue(uploadId: string): Promise<void> {
    if (this.closing.signal.aborted) throw unavailable('The job queue', new Error('the job runner is stopped'));
    try {
      const boss = await this.started();
      // A null answer means a job for this upload is already waiting: the queue's policy keeps one per key.
      await boss.send(
        this.queue,
        { uploadId },
        {
          singletonKey: uploadId,
          retryLimit: this.retryLimit,
          retryDelay: this.retryDelaySeconds,
          retryBackoff: true,
          expireInSeconds: this.expireInSeconds,
          db: announcingDb(boss, this.announcement),
        },
      );
      // A listening instance hears its own announcement a moment later; waking now as well would
      // only make a second subscription fetch for the same job.
      if (!this.listener?.listening) this.wakeIdleSubscription(boss);
    } catch (error) {
      throw unavailable('The job queue', error);
    }
  }

  /**
   * A job queued by this instance goes to one of its own idle subscriptions at once, instead of
   * waiting up to a polling interval (0.5 s by default) for it to look: with `serve` running the jobs
   * itself, that wait was part of every `complete`. Other instances' workers hear of it through the
   * announcement (`listen`).
   */
  private wakeIdleSubscription(boss: PgBoss): void {
    if (this.closing.signal.aborted) return;
    const idle = this.subscriptions.find((subscription) => subscription.id && !subscription.busy);
    if (idle?.id) boss.notifyWorker(idle.id);
  }

  async work(handler: JobHandler): Promise<void> {
    if (this.concurrency === 0 || this.closing.signal.aborted) return;
    if (this.subscribing) throw new Error('PgBossJobRunner is already working');
    const subscribing = this.subscribe(handler);
    this.subscribing = subscribing;
    try {
      await subscribing;
    } catch (error) {
      // Nothing subscribed (pg-boss could not start): a later call may try again.
      if (this.subscribing === subscribing) this.subscribing = undefined;
      throw unavailable('The job queue', error);
    }
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  /** pg-boss, started and with the queue created, on first use; a failed start is tried again next time. */
  private started(): Promise<PgBoss> {
    if (!this.boss) {
      const starting = this.start();
      this.boss = starting;
      starting.catch(() => {
        if (this.boss === starting) this.boss = undefined;
      });
    }
    return this.boss;
  }

  /**
   * pg-boss installs its schema on first start, and several instances doing so at once on a fresh
   * database deadlock; a session advisory lock lets them start one after the other.
   */
  private async start(): Promise<PgBoss> {
    const lock = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 3000 });
    lock.on('error', (error) => reportSafely(this.onError, error));
    await lock.connect();
    try {
      await lock.query('select pg_advisory_lock($1)', [START_LOCK_KEY]);
      return await this.startBoss();
    } finally {
      await lock.end().catch(() => undefined);
    }
  }

  private async startBoss(): Promise<PgBoss> {
    const boss = new PgBoss({
      connectionString: this.connectionString,
      ...(this.schema === undefined ? {} : { schema: this.schema }),
      // No cron schedules are used; maintenance (`supervise`) stays on: it expires jobs of crashed workers.
      schedule: false,
    });
    // Without a listener an 'error' event would throw and end the process.
    boss.on('error', (error) => reportSafely(this.onError, error));
    await boss.start();
    // 'short' keeps at most one waiting job per singleton key: enqueueing an upload twice queues it once,
    // while an upload already running may be queued again (the handler's claim sorts that out).
    await boss.createQueue(this.queue, { name: this.queue, policy: 'short' });
    return boss;
  }

  private async subscribe(handler: JobHandler): Promise<void> {
    const boss = await this.started();
    this.listen(boss);
    // One subscription fetches one job at a time, so `concurrency` of them run at most that many jobs at once.
    for (let i = 0; i < this.concurrency && !this.closing.signal.aborted; i++) {
      const subscription: Subscription = {};
      subscription.id = await boss.work<JobData>(
        this.queue,
        { batchSize: 1, pollingIntervalSeconds: this.pollingIntervalSeconds },
        (jobs) => this.take(boss, subscription, jobs, handler),
      );
      this.subscriptions.push(subscription);
    }
  }

  /**
   * Listens for the jobs any instance queues and hands each to an idle subscription, instead of
   * leaving it until the next poll (on average half an interval: part of every waiting `complete`).
   * On (re)connecting it looks once, for jobs announced while it was not listening.
   */
  private listen(boss: PgBoss): void {
    if (this.listener) return; // a `work` retried after a failed subscribe
    let reported = false;
    this.listener = new PgChannelListener({
      url: this.connectionString,
      channel: JOBS_CHANNEL,
      onNotification: (payload) => {
        if (payload === this.announcement) this.wakeIdleSubscription(boss);
      },
      onListening: () => {
        reported = false;
        this.wakeIdleSubscription(boss);
      },
      // Once per outage: it retries every second, and polling carries on meanwhile.
      onError: (error) => {
        if (!reported) reportSafely(this.onError, error);
        reported = true;
      },
      wanted: () => !this.closing.signal.aborted,
    });
    this.listener.ensure();
  }

  private async take(boss: PgBoss, subscription: Subscription, jobs: PgBoss.Job<JobData>[], handler: JobHandler) {
    subscription.busy = jobs.length > 0;
    try {
      for (const job of jobs) await this.process(job, handler);
    } finally {
      subscription.busy = false;
      // After a job pg-boss waits a polling interval before fetching again unless told to look at once.
      if (jobs.length > 0 && subscription.id && !this.closing.signal.aborted) boss.notifyWorker(subscription.id);
    }
  }

  /** Runs one job; throwing makes pg-boss fail the job, which retries it while retries are left. */
  private async process(job: PgBoss.Job<JobData>, handler: JobHandler): Promise<void> {
    const uploadId = job.data?.uploadId;
    if (typeof uploadId !== 'string' || uploadId === '') {
      // Retrying cannot repair the payload: let the job complete and say why.
      reportSafely(this.onError, new Error(`job ${job.id} carries no upload id`));
      return;
    }
    const controller = new AbortController();
    const expiresInSeconds = Number(job.expireInSeconds);
    // pg-boss fails a job that outlives its expiry and moves on; the handler is told to stop at the same time.
    const expiry = setTimeout(
      () => controller.abort(new DOMException('The job expired', 'TimeoutError')),
      (Number.isFinite(expiresInSeconds) && expiresInSeconds > 0 ? expiresInSeconds : this.expireInSeconds) * 1000,
    );
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const entry: RunningJob = { controller, settled, settle };
    try {
      await this.occupySlot(entry, controller.signal);
    } catch (reason) {
      clearTimeout(expiry);
      throw new Error(`job for upload ${uploadId} did not start: the runner is stopping or the job expired`, {
        cause: reason,
      });
    }
    try {
      await handler(uploadId, controller.signal);
    } catch (error) {
      reportSafely(this.onError, error, uploadId);
      throw error;
    } finally {
      clearTimeout(expiry);
      this.running.delete(entry);
      entry.settle();
      for (const wake of [...this.slotWaiters]) wake();
    }
  }

  /**
   * Adds the job to those running once fewer than `concurrency` run. Normally a slot is free at once; a handler
   * that ignores its aborted signal past its job's expiry keeps its slot, and the next job waits here instead of
   * running beside it. Rejects when the job expires or the runner stops first.
   */
  private async occupySlot(entry: RunningJob, expired: AbortSignal): Promise<void> {
    const stopping = this.closing.signal;
    while (this.running.size >= this.concurrency && !expired.aborted && !stopping.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.slotWaiters.delete(wake);
          expired.removeEventListener('abort', wake);
          stopping.removeEventListener('abort', wake);
          resolve();
        };
        this.slotWaiters.add(wake);
        expired.addEventListener('abort', wake);
        stopping.addEventListener('abort', wake);
      });
    }
    stopping.throwIfAborted();
    expired.throwIfAborted();
    // Checked and taken in one synchronous step: no other job can slip in between.
    this.running.add(entry);
  }

  private async shutdown(): Promise<void> {
    this.closing.abort(STOPPING());
    await this.listener?.close();
    if (!this.boss) return;
    let boss: PgBoss;
    try {
      boss = await this.boss;
    } catch {
      return; // never started: nothing to stop
    }
    await this.subscribing?.catch(() => undefined);
    try {
      // Stop fetching first; a fetch already under way delivers a job that `process` refuses, so it is retried.
      await Promise.all(this.subscriptions.map(({ id }) => (id ? boss.offWork({ id }) : undefined)));
    } catch (error) {
      reportSafely(this.onError, error);
    }
    const grace = setTimeout(() => {
      for (const job of this.running) job.controller.abort(STOPPING());
    }, this.stopGraceMs);
    try {
      await Promise.all([...this.running].map((job) => job.settled));
    } finally {
      clearTimeout(grace);
    }
    try {
      // Every handler has settled, so pg-boss finds nothing in progress and closes its pool.
      await boss.stop({ graceful: true, timeout: 5_000 });
    } catch (error) {
      reportSafely(this.onError, error);
    }
  }
}
