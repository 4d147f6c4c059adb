// Exponential backoff with jitter (for retries and for polling), and an abortable sleep to wait it out.
import { abortedError } from './upload-error.js';

export interface RetryOptions {
  /** Total tries of one request, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };

/**
 * Delay before retry number `retry` (0 for the first retry): uniform in [0, min(max, base * 2^retry)).
 * Full jitter spreads clients that failed together, so they do not come back together.
 */
export function backoffDelay(retry: number, options: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

export interface PollOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Waits between two `complete` calls while the server processes an image: 500 ms doubling to 5 s. */
export const DEFAULT_POLL: PollOptions = { baseDelayMs: 500, maxDelayMs: 5_000 };

/**
 * Delay before poll number `poll` (0 for the first): uniform in [ceiling / 2, ceiling), ceiling as above.
 * Half jitter: polls of files finished together still spread out, yet never come back at once.
 */
export function pollDelay(poll: number, options: PollOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** poll);
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
