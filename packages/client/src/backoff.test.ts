// Backoff delays with full jitter, and the abortable sleep.
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_POLL, pollDelay, sleep } from './backoff.js';
import { isUploadError } from './upload-error.js';

const options = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('grows the ceiling exponentially and caps it', () => {
    const top = () => 0.999999;
    expect(backoffDelay(0, options, top)).toBe(99);
    expect(backoffDelay(1, options, top)).toBe(199);
    expect(backoffDelay(2, options, top)).toBe(399);
    expect(backoffDelay(3, options, top)).toBe(799);
    expect(backoffDelay(4, options, top)).toBe(999);
    expect(backoffDelay(30, options, top)).toBe(999);
  });

  it('draws the whole range from zero (full jitter)', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(400);
  });
});

describe('pollDelay', () => {
  it('doubles from 500 ms up to 5 s by default', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 30].map((poll) => pollDelay(poll, DEFAULT_POLL, top))).toEqual([499, 999, 1999, 3999, 4999, 4999, 4999]);
  });

  it('draws from the upper half only, so that a poll never follows the previous one at once', () => {
    expect(pollDelay(0, DEFAULT_POLL, () => 0)).toBe(250);
    expect(pollDelay(3, DEFAULT_POLL, () => 0)).toBe(2000);
    expect(pollDelay(3, DEFAULT_POLL, () => 0.5)).toBe(3000);
  });
});

describe('sleep', () => {
  it('rejects with an aborted error when the signal fires', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(isUploadError(error, 'aborted')).toBe(true);
  });

  it('rejects at once for a signal that already fired', async () => {
    await expect(sleep(60_000, AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' });
  });
});
