// Lets V8's heap grow further between full collections in a process that runs image jobs.
import { setFlagsFromString } from 'node:v8';

/** The old generation may reach four times its live size before the next full collection: V8's own ceiling on large machines. */
export const HEAP_GROWING_PERCENT = 300;

const GIVEN = /^--heap[-_]growing[-_]percent(=|$)/;

/*
 * A job moves some 20 MB of bytes and pixels of a 24-megapixel photo through ArrayBuffers around a
 * JavaScript heap of ~25 MB that hardly grows. V8 judged its full collections cheap and kept the next
 * one close: measured in the worker, 58 full collections for 52 photos (one per photo, none preceded
 * by growth of the old generation), about 15% of the worker's CPU. With the factor fixed at 4 the same
 * run made 12, and the worker's peak RSS went from 286-330 to 340-367 MiB (docs/performance.md, part d).
 * V8 reads the factor each time it sets the next limit, so setting it once the process runs takes effect.
 */
/** Sets the factor unless the process was started with its own `--heap-growing-percent`; says whether it did. */
export function growHeapForImageJobs(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => GIVEN.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
