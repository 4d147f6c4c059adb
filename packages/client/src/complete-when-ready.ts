// Calls `complete` until the image is ready: while the server still processes it, asks again with backoff.
import type { Image } from '@direct-upload/protocol';
import type { ApiClient } from './api-client.js';
import { DEFAULT_POLL, pollDelay, sleep as realSleep, type PollOptions, type RetryOptions, type Sleep } from './backoff.js';
import { UploadError } from './upload-error.js';
import { withRetry } from './with-retry.js';

export interface CompleteWhenReadyOptions {
  signal: AbortSignal;
  /** Each call's own retries (network failures, 5xx); a 4xx ends the wait at once. */
  retry: RetryOptions;
  /** Longest wait, counted from the first "processing" answer, before giving up with `processing_timeout`. */
  processingTimeoutMs: number;
  poll?: PollOptions;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  /** Called once, when the first answer says the server is still processing the image. */
  onProcessing?: () => void;
}

export async function completeWhenReady(api: Pick<ApiClient, 'completeUpload'>, id: string, options: CompleteWhenReadyOptions): Promise<Image> {
  const { signal, processingTimeoutMs } = options;
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const retrying = { retry: options.retry, signal, ...(options.sleep ? { sleep: options.sleep } : {}), ...(options.random ? { random: options.random } : {}) };
  const ask = () => withRetry(() => api.completeUpload(id, signal), retrying);

  let result = await ask();
  if (result.status === 'ready') return result.image;
  options.onProcessing?.();
  // The server itself holds each call for a while before it says "processing", so the deadline is
  // measured on the clock rather than summed from the waits.
  const deadline = now() + Math.max(0, processingTimeoutMs);
  for (let poll = 0; ; poll += 1) {
    const left = deadline - now();
    if (left <= 0) throw processingTimeout(processingTimeoutMs);
    const limits = options.poll ?? DEFAULT_POLL;
    const jittered = pollDelay(poll, limits, options.random);
    // A server that says when to come back is believed, within the ceiling; the last wait is cut
    // short so that one more call is made right at the deadline.
    const suggested = result.retryAfterMs === undefined ? jittered : Math.min(limits.maxDelayMs, Math.max(jittered, result.retryAfterMs));
    await sleep(Math.min(left, suggested), signal);
    result = await ask();
    if (result.status === 'ready') return result.image;
  }
}

function processingTimeout(ms: number): UploadError {
  const seconds = Math.round(ms / 1000);
  return new UploadError('processing_timeout', `The image was still being processed after ${seconds} s.`, { retryable: false });
}
