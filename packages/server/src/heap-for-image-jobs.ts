// Lets V8's heap grow further between full collections in a process that runs image jobs.
import { setFlagsFromString } from 'node:v8';

/** The old generation may reach four times its live size before the next full collection: V8's own ceiling on large machines. */
export const HEAP_GROWING_PERCENT = 300;

const GIVEN = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * Sets the factor unless the process was started with its own `--heap-growing-percent`; says whether
 * it did.
 *
 * A job moves some 20 MB of bytes and pixels of a 24-megapixel photo through buffers around a
 * JavaScript heap of ~25 MB that hardly grows. V8 kept its next full collection close to the live
 * heap: measured in the worker, 58 full collections for 52 photos while the old generation stayed at
 * 24-25 MB, a large share of the worker's CPU outside libvips. With the factor fixed the same run
 * made 12, at 30-50 MiB more peak RSS (docs/performance.md, "What limits them"). V8 reads the factor
 * each time it sets the next limit, so setting it once the process runs takes effect.
 */
export function growHeapForImageJobs(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => GIVEN.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
