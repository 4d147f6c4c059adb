// When a worker claimed the first of some uploads and finished the last, read from its own timestamps in the table.
import pg from 'pg';
import { sleep } from './processes.js';

export interface ProcessingWindow {
  /** Epoch ms of the first claim: the claim's lease end minus the lease length, as the worker wrote it. */
  firstClaimMs: number;
  /** Epoch ms of the last `completed_at` (the worker's clock when it recorded the image as ready). */
  lastReadyMs: number;
  /** How the uploads ended, by status (all 'ready' in a good round). */
  statuses: Record<string, number>;
  /**
   * False when no poll caught a claimed upload still processing before one was done, so the first
   * claim is the poll's own time (later than the truth); never seen with images that take 0.1 s or more.
   */
  claimExact: boolean;
}

/**
 * Polls the uploads of `ids` every `pollMs` until none is pending or processing, or `timeoutMs` has
 * passed. Both ends of the window come from the worker's own writes, so the polling rate bounds only
 * how soon the end is noticed, not the figure.
 */
export async function watchProcessing(databaseUrl: string, ids: string[], leaseSeconds: number, timeoutMs: number, pollMs = 100): Promise<ProcessingWindow> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const until = Date.now() + timeoutMs;
    let firstClaimMs = Number.POSITIVE_INFINITY;
    let claimExact = true;
    for (;;) {
      const polledAt = Date.now();
      const { rows } = await client.query<{ status: string; attempts: number | string; lease_until: string | null; completed_at: string | null }>(
        'select status, attempts, lease_until, completed_at from uploads where id = any($1)',
        [ids],
      );
      const statuses: Record<string, number> = { missing: ids.length - rows.length };
      let lastReadyMs = Number.NEGATIVE_INFINITY;
      for (const row of rows) {
        statuses[row.status] = (statuses[row.status] ?? 0) + 1;
        if (row.status === 'processing' && Number(row.attempts) > 0 && row.lease_until !== null) {
          firstClaimMs = Math.min(firstClaimMs, Number(row.lease_until) - leaseSeconds * 1000);
        }
        if (row.status === 'ready' && row.completed_at !== null) lastReadyMs = Math.max(lastReadyMs, Number(row.completed_at));
      }
      if (!statuses.missing) delete statuses.missing;
      if (!Number.isFinite(firstClaimMs) && Number.isFinite(lastReadyMs)) {
        claimExact = false;
        firstClaimMs = polledAt;
      }
      if ((!statuses.pending && !statuses.processing) || Date.now() > until) {
        return { firstClaimMs, lastReadyMs, statuses, claimExact };
      }
      await sleep(pollMs);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
