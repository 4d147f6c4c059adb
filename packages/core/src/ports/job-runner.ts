// JobRunner port: runs the processing of uploads, in this process or on separate workers.

export type JobHandler = (uploadId: string, signal: AbortSignal) => Promise<void>;

export interface JobRunner {
  /** Asks for the upload to be processed; at least once, also after a crash (see `recover`). */
  enqueue(uploadId: string): Promise<void>;
  /** Starts taking jobs with the handler (a worker); a runner that only enqueues never calls it. */
  work(handler: JobHandler): Promise<void>;
  /** Stops taking jobs and waits for those running (or aborts them after the grace period). */
  stop(): Promise<void>;
}
