// Throttle for noisy reports (connection errors, fallback notices): one call per interval, counting the rest.

/**
 * Wraps `report` so it runs at most once per `intervalMs`; each call that gets through learns how many
 * were dropped since the previous one, so a flood shows up as one line with a count.
 */
export function oncePerInterval<T>(
  report: (value: T, suppressed: number) => void,
  intervalMs: number,
  now: () => number = Date.now,
): (value: T) => void {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (value) => {
    const at = now();
    if (at - last < intervalMs) {
      suppressed++;
      return;
    }
    last = at;
    const dropped = suppressed;
    suppressed = 0;
    report(value, dropped);
  };
}
