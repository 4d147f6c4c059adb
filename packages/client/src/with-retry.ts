// Runs a request again after retryable failures (network, 5xx), waiting a jittered backoff between tries.
import { backoffDelay, sleep as realSleep, type RetryOptions, type Sleep } from './backoff.js';
import { isUploadError, throwIfAborted } from './upload-error.js';

export interface RetryContext {
  retry: RetryOptions;
  signal?: AbortSignal;
  sleep?: Sleep;
  random?: () => number;
  /** Called before each wait, e.g. to show "retrying". */
  onRetry?: (error: unknown, retry: number, delayMs: number) => void;
}

/** Only failures the SDK marked retryable are tried again: never a 4xx, never a cancellation. */
export async function withRetry<T>(run: (attempt: number) => Promise<T>, context: RetryContext): Promise<T> {
  const { retry, signal } = context;
  const sleep = context.sleep ?? realSleep;
  const attempts = Math.max(1, Math.floor(retry.attempts));
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(signal);
    try {
      return await run(attempt);
    } catch (error) {
      if (!isUploadError(error) || !error.retryable || attempt >= attempts) throw error;
      throwIfAborted(signal);
      const jittered = backoffDelay(attempt - 1, retry, context.random);
      // A server that says when to come back is believed, within the caller's ceiling.
      const delay = error.retryAfterMs === undefined ? jittered : Math.min(retry.maxDelayMs, Math.max(jittered, error.retryAfterMs));
      context.onRetry?.(error, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
