// The uploader: a store of files, a queue that runs them a few at a time, and cancel / retry / remove.
import type { ClientConfig, Image, Metadata, Visibility } from '@direct-upload/protocol';
import { createApiClient, type ApiClient, type ApiClientOptions } from './api-client.js';
import { DEFAULT_RETRY, type RetryOptions, type Sleep } from './backoff.js';
import { describeError } from './error-messages.js';
import { checkFile, type UploadFile } from './file-check.js';
import { runUpload, type UploadMemo } from './run-upload.js';
import { createTaskQueue, type QueuedTask } from './task-queue.js';
import type { Transport } from './transport.js';
import { abortedError, isUploadError, UploadError } from './upload-error.js';
import { FINAL_STATUSES, initialItem, type UploadEvent } from './upload-state.js';
import { createUploadStore, type Listener, type UploaderState } from './upload-store.js';
import { withRetry } from './with-retry.js';
import { xhrTransport } from './xhr-transport.js';

export interface UploaderOptions extends ApiClientOptions {
  /** Files in flight at once (hashing to completion); 3 by default. */
  concurrency?: number;
  /** Retries of network failures and 5xx answers on the transfer and on each call to `complete`. */
  retry?: Partial<RetryOptions>;
  /** How bytes travel; XMLHttpRequest by default, `fetchTransport()` where there is none. */
  transport?: Transport;
  /** Replaces the timer between retries and between polls while the server processes (tests). */
  sleep?: Sleep;
  /** Replaces Math.random in the backoff jitter (tests). */
  random?: () => number;
  /**
   * How long to keep asking while the server processes an image (after the bytes were verified),
   * counted from its first "processing" answer; 5 minutes by default. The file then fails with
   * `processing_timeout`, and retrying it asks again without sending the bytes again.
   */
  processingTimeoutMs?: number;
  /** Replaces Date.now for the processing deadline (tests). */
  now?: () => number;
}

export const DEFAULT_PROCESSING_TIMEOUT_MS = 5 * 60_000;

export interface AddOptions {
  visibility?: Visibility;
  metadata?: Metadata;
}

export interface UploadOptions extends AddOptions {
  signal?: AbortSignal;
  onProgress?: (loaded: number, total: number) => void;
}

export interface Uploader {
  getState(): UploaderState;
  subscribe(listener: Listener): () => void;
  /** Queues files; returns their ids in the store. Outcomes show in the store only. */
  add(files: Iterable<UploadFile> | ArrayLike<UploadFile>, options?: AddOptions): string[];
  /** Queues one file; resolves with the image, rejects with an UploadError (`aborted` when cancelled). */
  upload(file: UploadFile, options?: UploadOptions): Promise<Image>;
  cancel(id: string): void;
  /** Sends a failed or cancelled file again. */
  retry(id: string): void;
  /** Cancels the file if it is in flight and forgets it. */
  remove(id: string): void;
  /** The server's limits (fetched once, then cached). */
  getConfig(signal?: AbortSignal): Promise<ClientConfig>;
  /** The API client the uploader uses, for listing and deleting images with the same session. */
  readonly api: ApiClient;
}

interface Job {
  id: string;
  file: UploadFile;
  options: AddOptions;
  onProgress: ((loaded: number, total: number) => void) | undefined;
  /** The caller's signal; only the first run listens to it, a retry is a new decision. */
  externalSignal: AbortSignal | undefined;
  controller: AbortController | null;
  queued: QueuedTask | null;
  /** Increments on each run, so a stale run's late events are dropped. */
  run: number;
  /** Stops listening to the caller's signal once the run has ended. */
  detach: (() => void) | null;
  memo: UploadMemo;
  settle: { resolve(image: Image): void; reject(error: UploadError): void } | null;
}

export function createUploader(options: UploaderOptions = {}): Uploader {
  const api = createApiClient(options);
  const store = createUploadStore();
  const queue = createTaskQueue(options.concurrency ?? 3);
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const transport = options.transport ?? xhrTransport();
  const timing = { ...(options.sleep ? { sleep: options.sleep } : {}), ...(options.random ? { random: options.random } : {}) };
  const processing = {
    processingTimeoutMs: options.processingTimeoutMs ?? DEFAULT_PROCESSING_TIMEOUT_MS,
    ...(options.now ? { now: options.now } : {}),
  };
  const jobs = new Map<string, Job>();
  let config: Promise<ClientConfig> | null = null;
  let knownConfig: ClientConfig | null = null;
  let counter = 0;

  function getConfig(signal?: AbortSignal): Promise<ClientConfig> {
    config ??= withRetry(() => api.getConfig(), { retry, ...timing }).then(
      (value) => (knownConfig = value),
      (error: unknown) => {
        config = null;
        throw error;
      },
    );
    return untilAborted(config, signal);
  }

  function emitFor(job: Job, run: number) {
    return (event: UploadEvent) => {
      if (job.run !== run || jobs.get(job.id) !== job) return;
      store.apply(job.id, event);
      if (event.type === 'progress') job.onProgress?.(event.loaded, event.total);
    };
  }

  function finish(job: Job, run: number, outcome: { image: Image } | { error: unknown }) {
    if (job.run !== run) return;
    job.detach?.();
    job.detach = null;
    job.controller = null;
    job.queued = null;
    const settle = job.settle;
    job.settle = null;
    if ('image' in outcome) {
      store.apply(job.id, { type: 'succeed', image: outcome.image });
      settle?.resolve(outcome.image);
      return;
    }
    const raw = outcome.error;
    const base = isUploadError(raw) ? raw : new UploadError('internal_error', 'Unexpected failure.', { cause: raw });
    const context = { filename: job.file.name, ...(knownConfig ? { maxBytes: knownConfig.maxBytes } : {}) };
    if (base.code === 'aborted') {
      store.apply(job.id, { type: 'cancel' });
      settle?.reject(base.withMessage(describeError(base, context)));
      return;
    }
    const error = base.withMessage(describeError(base, context));
    store.apply(job.id, { type: 'fail', error });
    settle?.reject(error);
  }

  async function start(job: Job) {
    job.run += 1;
    const run = job.run;
    const controller = new AbortController();
    job.controller = controller;
    const external = job.externalSignal;
    const forward = () => controller.abort(external?.reason);
    if (external?.aborted) controller.abort(external.reason);
    else external?.addEventListener('abort', forward, { once: true });
    job.detach = () => external?.removeEventListener('abort', forward);
    const done = (outcome: { image: Image } | { error: unknown }) => finish(job, run, outcome);

    let limits: ClientConfig;
    try {
      limits = await getConfig(controller.signal);
    } catch (error) {
      return done({ error: controller.signal.aborted ? abortedError() : error });
    }
    if (job.run !== run) return;
    const refused = checkFile(job.file, limits);
    if (refused) return done({ error: refused });

    job.queued = queue.push(async () => {
      if (job.run !== run) return;
      job.queued = null;
      try {
        const image = await runUpload(
          { api, transport, retry, ...timing, ...processing },
          {
            file: job.file,
            ...job.options,
            signal: controller.signal,
            emit: emitFor(job, run),
            memo: job.memo,
          },
        );
        done({ image });
      } catch (error) {
        done({ error: controller.signal.aborted ? abortedError() : error });
      }
    });
  }

  function enqueue(file: UploadFile, addOptions: AddOptions, extra: Pick<Job, 'onProgress' | 'externalSignal' | 'settle'>): Job {
    counter += 1;
    const job: Job = {
      id: `upload-${counter}`,
      file,
      options: { ...(addOptions.visibility ? { visibility: addOptions.visibility } : {}), ...(addOptions.metadata ? { metadata: addOptions.metadata } : {}) },
      controller: null,
      queued: null,
      run: 0,
      detach: null,
      memo: {},
      ...extra,
    };
    jobs.set(job.id, job);
    store.add(initialItem(job.id, file));
    void start(job);
    return job;
  }

  function cancel(id: string) {
    const job = jobs.get(id);
    const item = store.get(id);
    if (!job || !item || FINAL_STATUSES.has(item.status)) return;
    const run = job.run;
    const wasWaiting = job.queued?.dequeue() ?? false;
    job.controller?.abort(abortedError());
    // A task still in the queue will never run to report its own end.
    if (wasWaiting) finish(job, run, { error: abortedError() });
  }

  return {
    getState: store.getState,
    subscribe: store.subscribe,
    api,
    getConfig,
    add(files, addOptions = {}) {
      return Array.from(files as ArrayLike<UploadFile>, (file) =>
        enqueue(file, addOptions, { onProgress: undefined, externalSignal: undefined, settle: null }).id,
      );
    },
    upload(file, { signal, onProgress, ...addOptions } = {}) {
      return new Promise<Image>((resolve, reject) => {
        enqueue(file, addOptions, { onProgress, externalSignal: signal, settle: { resolve, reject } });
      });
    },
    cancel,
    retry(id) {
      const job = jobs.get(id);
      const item = store.get(id);
      if (!job || !item || (item.status !== 'error' && item.status !== 'cancelled')) return;
      job.externalSignal = undefined;
      store.apply(id, { type: 'requeue' });
      void start(job);
    },
    remove(id) {
      const job = jobs.get(id);
      cancel(id);
      if (job) {
        // The run's own end will be ignored from now on; a caller awaiting `upload()` hears it here.
        job.run += 1;
        job.detach?.();
        job.detach = null;
        job.settle?.reject(abortedError().withMessage(describeError(abortedError(), { filename: job.file.name })));
        job.settle = null;
      }
      jobs.delete(id);
      store.remove(id);
    },
  };
}

/** The promise, or an `aborted` rejection as soon as the signal fires (the work itself goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
