// A first-in first-out queue that runs at most `concurrency` async tasks at a time.

export interface QueuedTask {
  /** Takes the task out of the queue if it has not started; true when it was removed. */
  dequeue(): boolean;
}

export interface TaskQueue {
  push(task: () => Promise<unknown>): QueuedTask;
  readonly running: number;
  readonly waiting: number;
}

export function createTaskQueue(concurrency: number): TaskQueue {
  const limit = Math.max(1, Math.floor(concurrency));
  // Entries are wrapped so that pushing the same function twice still gives two distinct tasks.
  const waiting: { task: () => Promise<unknown> }[] = [];
  let running = 0;

  function pump() {
    while (running < limit && waiting.length > 0) {
      const { task } = waiting.shift()!;
      running += 1;
      // A task's failure is its owner's business; the queue only needs to know it ended.
      void Promise.resolve()
        .then(task)
        .catch(() => undefined)
        .finally(() => {
          running -= 1;
          pump();
        });
    }
  }

  return {
    push(task) {
      const entry = { task };
      waiting.push(entry);
      pump();
      return {
        dequeue() {
          const index = waiting.indexOf(entry);
          if (index < 0) return false;
          waiting.splice(index, 1);
          return true;
        },
      };
    },
    get running() {
      return running;
    },
    get waiting() {
      return waiting.length;
    },
  };
}
