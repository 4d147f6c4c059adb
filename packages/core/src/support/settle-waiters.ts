// In-process registry of callers waiting for an upload to leave `processing`, woken by id or all at once.

interface Waiter<T> {
  wake(value: T | null): void;
}

/*
 * `complete` waits here instead of polling the database: the store that records the final state
 * wakes the waiters of that id (in this process, or through a database notification from another).
 */
export class SettleWaiters<T = never> {
  private readonly byId = new Map<string, Set<Waiter<T>>>();

  /**
   * Resolves when `wake(id)` or `wakeAll()` is called (with what `wake` was given, else null), after
   * `timeoutMs`, or when `signal` aborts (null); never rejects. Registered before this returns.
   */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<T | null> {
    if (signal?.aborted || timeoutMs <= 0) return Promise.resolve(null);
    return new Promise<T | null>((resolve) => {
      const giveUp = () => waiter.wake(null);
      const waiter: Waiter<T> = {
        wake: (value) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
          const set = this.byId.get(id);
          set?.delete(waiter);
          if (set?.size === 0) this.byId.delete(id);
          resolve(value);
        },
      };
      const timer = setTimeout(giveUp, timeoutMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      let set = this.byId.get(id);
      if (!set) this.byId.set(id, (set = new Set()));
      set.add(waiter);
    });
  }

  /** Wakes the waiters of `id`, handing each `value` (e.g. the record as it is now). */
  wake(id: string, value: T | null = null): void {
    const set = this.byId.get(id);
    if (set) for (const waiter of [...set]) waiter.wake(value);
  }

  /** Wakes everyone, e.g. after a lost notification channel came back: they re-read and wait again. */
  wakeAll(): void {
    for (const set of [...this.byId.values()]) for (const waiter of [...set]) waiter.wake(null);
  }

  /** How many callers wait now (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const set of this.byId.values()) count += set.size;
    return count;
  }
}

/** Whether a state change takes an upload out of `processing`: what waiters wait for. */
export const leavesProcessing = (from: string, to: string | undefined): boolean => from === 'processing' && to !== undefined && to !== 'processing';
