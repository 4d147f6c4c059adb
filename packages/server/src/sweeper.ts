// The periodic in-process expiry sweep.
import { sweep, type SweepDeps } from '@direct-upload/core';
/** The two logger methods the sweeper uses (Fastify's logger, or pino in a worker). */
interface Log {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export function startSweeper(deps: SweepDeps, intervalSeconds: number, log: Log): () => Promise<void> {
  if (intervalSeconds <= 0) return async () => {};
  const controller = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = sweep(deps, { signal: controller.signal }).then(
      (result) => {
        if (result.expired || result.purged || result.failed) log.info({ sweep: result }, 'sweep finished');
      },
      (error: unknown) => {
        if (!controller.signal.aborted) log.warn({ err: error }, 'sweep failed; will retry');
      },
    );
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  // At once too: work interrupted by a restart is queued again as soon as its lease has run out.
  tick();
  return async () => {
    clearInterval(timer);
    controller.abort();
    await running;
  };
}
