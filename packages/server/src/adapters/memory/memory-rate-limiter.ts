// MemoryRateLimiter: a per-process fixed-window budget per key, counted in a Map.
import type { RateLimitDecision, RateLimiter } from '@direct-upload/core';

/*
 * Both limiters run on every create (the caller's address in a hook, the owner in the use case), and
 * most creates come from an owner not seen in the current window. rate-limiter-flexible's memory
 * store, used here before, arms a timer per new key and answers through a promise it builds and a
 * result object; this one costs a create about 4% less CPU (docs/performance.md). A window is a
 * count and an end: a key whose window has ended starts a new one when it is next seen, and one
 * timer per limiter, unref'd, drops the keys not seen since their window ended. The decision is the
 * same as before: a budget of `points` per window that starts at a key's first action; refused
 * actions count too. (The Redis limiter's per-process fallback still uses rate-limiter-flexible.)
 */

export interface MemoryRateLimiterOptions {
  /** Actions allowed per key and window. */
  points: number;
  /** Length of the window, in seconds. */
  durationSeconds: number;
  /** A monotonic clock in milliseconds; tests move it. */
  now?: () => number;
}

interface Window {
  count: number;
  endsAt: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly points: number;
  private readonly durationMs: number;
  private readonly now: () => number;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(options: MemoryRateLimiterOptions) {
    if (!Number.isInteger(options.points) || options.points < 0) throw new Error('points must be a whole number, 0 or more');
    if (!(options.durationSeconds > 0)) throw new Error('durationSeconds must be more than 0');
    this.points = options.points;
    this.durationMs = options.durationSeconds * 1000;
    this.now = options.now ?? (() => performance.now());
  }

  consume(key: string): Promise<RateLimitDecision> {
    return Promise.resolve(this.take(key));
  }

  /** The number of keys held (windows not yet swept). */
  get size(): number {
    return this.windows.size;
  }

  /** Drops the keys whose window has ended; runs by itself once per window while any key is held. */
  sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    if (this.windows.size === 0) this.close();
  }

  /** Stops the sweep timer (the windows stay): for shutdown. */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private take(key: string): RateLimitDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.durationMs };
      this.windows.set(key, window);
      this.sweeper ??= setInterval(() => this.sweep(), this.durationMs).unref();
    }
    window.count++;
    if (window.count <= this.points) return { allowed: true, remaining: this.points - window.count, retryAfterSeconds: 0 };
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
  }
}
