// `doctor` check: is this host's clock close enough to the store's for signed URLs to work?
import { checkResult, type CheckResult } from './check-result.js';
import { classifyS3Failure } from './s3-failure.js';

/** Beyond this, say so: nothing breaks yet, but the margin is being eaten. */
export const CLOCK_WARN_SECONDS = 60;
/** SigV4 refuses requests whose date is more than 15 minutes off. */
export const SIGV4_SKEW_LIMIT_SECONDS = 900;

const NAME = 'clock';
const FIX = "Synchronise this host's clock with NTP (for example chrony or systemd-timesyncd).";

export interface ClockCheckOptions {
  /** Any URL of the store: every S3 answer, even a 403, carries a Date header. */
  url: string;
  clock: () => Date;
  /** UPLOAD_URL_TTL_SECONDS: a clock behind by more than this hands out URLs that are already expired. */
  urlTtlSeconds: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export async function checkClock(options: ClockCheckOptions): Promise<CheckResult> {
  const doFetch = options.fetch ?? fetch;
  const before = options.clock();
  let dateHeader: string | null;
  try {
    const response = await doFetch(options.url, { method: 'HEAD', ...(options.signal ? { signal: options.signal } : {}) });
    await response.arrayBuffer().catch(() => undefined);
    dateHeader = response.headers.get('date');
  } catch (error) {
    return checkResult(NAME, 'fail', `could not reach ${options.url} to read its time: ${classifyS3Failure(error).message}`, 'Check S3_ENDPOINT and that the store is reachable.');
  }
  const after = options.clock();
  const storeTime = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (Number.isNaN(storeTime)) {
    return checkResult(NAME, 'warn', `the store sent no usable Date header (${JSON.stringify(dateHeader)}); the clock was not compared`);
  }
  return judgeSkew(storeTime, before, after, options.urlTtlSeconds);
}

/**
 * Positive skew: the store is ahead, i.e. this host's clock is behind. The Date header keeps
 * whole seconds, so the store's time is taken at the middle of its second.
 */
export function judgeSkew(storeTimeMs: number, before: Date, after: Date, urlTtlSeconds: number): CheckResult {
  const local = (before.getTime() + after.getTime()) / 2;
  const skewSeconds = Math.round((storeTimeMs + 500 - local) / 1000);
  const size = Math.abs(skewSeconds);
  const direction = skewSeconds > 0 ? 'behind' : 'ahead of';
  const what = size === 0 ? "this host's clock agrees with the store's" : `this host's clock is ${size} s ${direction} the store's`;
  if (skewSeconds >= urlTtlSeconds) {
    return checkResult(NAME, 'fail', `${what}: upload URLs (UPLOAD_URL_TTL_SECONDS=${urlTtlSeconds}) expire before a browser can use them`, FIX);
  }
  if (size > SIGV4_SKEW_LIMIT_SECONDS) {
    return checkResult(NAME, 'fail', `${what}: SigV4 refuses requests more than ${SIGV4_SKEW_LIMIT_SECONDS / 60} minutes off`, FIX);
  }
  if (size > CLOCK_WARN_SECONDS) {
    return checkResult(NAME, 'warn', `${what}: more than ${CLOCK_WARN_SECONDS} s; SigV4 refuses requests more than ${SIGV4_SKEW_LIMIT_SECONDS / 60} minutes off`, FIX);
  }
  return checkResult(NAME, 'ok', what);
}
