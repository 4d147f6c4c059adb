// Retry policy: which failures are retried, how long between tries, and when to stop.
import { describe, expect, it } from 'vitest';
import { UploadError } from './upload-error.js';
import { withRetry } from './with-retry.js';

const retry = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

function recorder() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

const serverError = () => new UploadError('service_unavailable', 'down', { status: 503, retryable: true });

describe('withRetry', () => {
  it('tries again after retryable failures, with jittered exponential delays', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw serverError();
        return 'ok';
      },
      { retry, sleep, random: () => 0.5 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([50, 100]);
  });

  it('gives up after the configured number of attempts and throws the last error', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls += 1;
        throw serverError();
      },
      { retry, sleep, random: () => 0 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    expect(error).toMatchObject({ code: 'service_unavailable', status: 503 });
  });

  it('never retries a 4xx answer', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new UploadError('rate_limited', 'slow down', { status: 429, retryable: false });
        },
        { retry, sleep },
      ),
    ).rejects.toMatchObject({ code: 'rate_limited' });
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it('does not retry errors that are not UploadErrors', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new TypeError('bug');
        },
        { retry, sleep: async () => undefined },
      ),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('waits at least the Retry-After the server asked for, within the ceiling', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    await withRetry(
      async () => {
        calls += 1;
        if (calls === 1) throw new UploadError('service_unavailable', 'down', { status: 503, retryable: true, retryAfterMs: 700 });
        if (calls === 2) throw new UploadError('service_unavailable', 'down', { status: 503, retryable: true, retryAfterMs: 5000 });
        return 'ok';
      },
      { retry, sleep, random: () => 0 },
    );
    expect(delays).toEqual([700, 1000]);
  });

  it('stops when the signal fires between attempts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls += 1;
        throw serverError();
      },
      {
        retry,
        signal: controller.signal,
        sleep: async () => {
          controller.abort();
        },
      },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toMatchObject({ code: 'aborted' });
  });
});
