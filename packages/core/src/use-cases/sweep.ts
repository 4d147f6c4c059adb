// Use case: expire abandoned uploads, queue stalled processing again, and finish interrupted deletions.
import type { JobRunner } from '../ports/job-runner.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Storage } from '../ports/storage.js';
import type { Clock } from '../policy.js';
import { purge } from './delete-image.js';

export interface SweepDeps {
  metadata: MetadataStore;
  storage: Storage;
  clock: Clock;
  /** Where stalled processing is queued again; without it they wait for the next sweep that has one. */
  jobs?: JobRunner;
}

export interface SweepResult {
  expired: number;
  purged: number;
  /** Processing uploads whose attempt crashed or backed off, queued again. */
  requeued: number;
  failed: number;
}

export async function sweep(deps: SweepDeps, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<SweepResult> {
  const batchSize = options.batchSize ?? 500;
  const result: SweepResult = { expired: 0, purged: 0, requeued: 0, failed: 0 };
  const now = deps.clock();

  for (const record of await deps.metadata.listExpired(now, batchSize)) {
    options.signal?.throwIfAborted();
    const expired = await deps.metadata.transition(record.id, { status: 'pending' }, { status: 'expired', leaseUntil: null });
    if (!expired) continue;
    result.expired += 1;
    try {
      await deps.storage.delete(record.incomingKey, { signal: options.signal });
    } catch {
      result.failed += 1;
    }
  }

  if (deps.jobs) {
    for (const record of await deps.metadata.listStalledProcessing(now, batchSize)) {
      options.signal?.throwIfAborted();
      try {
        await deps.jobs.enqueue(record.id);
        result.requeued += 1;
      } catch {
        result.failed += 1;
      }
    }
  }

  for (const record of await deps.metadata.listDeleted(batchSize)) {
    options.signal?.throwIfAborted();
    try {
      await purge(deps, record, options.signal);
      result.purged += 1;
    } catch {
      result.failed += 1;
    }
  }
  return result;
}
