// Collects the calls of one event-loop turn and runs them together, each caller getting its own outcome.

/*
 * Used where work done for many requests at once costs less than the same work done for each in
 * turn: SQLite writes the requests of one turn (one poll of the sockets) in one transaction, each
 * reply going out only after it committed (SqliteMetadataStore); the create route starts its
 * handlers of one turn together (turn-gate.ts).
 */

/** The outcome of one item: its value, or the error that item alone met. */
export type ItemOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface TurnBatchOptions<I, O> {
  /** Runs a batch; throwing fails every item of it (on SQLite, the whole transaction rolled back). */
  run(items: I[]): Array<ItemOutcome<O>>;
  /** When false, the batch waits for a later turn (e.g. another transaction holds the connection). */
  ready?(): boolean;
  /** Largest batch; more items go to the next turn. */
  maxItems?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export class TurnBatch<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private scheduled = false;
  private readonly maxItems: number;

  constructor(private readonly options: TurnBatchOptions<I, O>) {
    this.maxItems = options.maxItems ?? 256;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Runs whatever waits now, in this turn (before closing the connection). */
  flush(): void {
    while (this.queue.length > 0) this.runOnce();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: every request parsed in it is queued by then.
    setImmediate(() => {
      this.scheduled = false;
      if (this.options.ready && !this.options.ready()) {
        if (this.queue.length > 0) this.schedule();
        return;
      }
      this.runOnce();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private runOnce(): void {
    const batch = this.queue.splice(0, this.maxItems);
    let outcomes: Array<ItemOutcome<O>>;
    try {
      outcomes = this.options.run(batch.map((w) => w.item));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (!outcome) waiting.reject(new Error('the batch gave no outcome for this item'));
      else if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
