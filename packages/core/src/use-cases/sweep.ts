// Use case: expire abandoned uploads and finish interrupted deletions.
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Storage } from '../ports/storage.js';
import type { Clock } from '../policy.js';
import { purge } from './delete-image.js';

export interface SweepDeps {
  metadata: MetadataStore;
  storage: Storage;
  clock: Clock;
}

export interface SweepResult {
  expired: number;
  purged: number;
  failed: number;
}

export async function sweep(deps: SweepDeps, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<SweepResult> {
  const batchSize = options.batchSize ?? 500;
  const result: SweepResult = { expired: 0, purged: 0, failed: 0 };
  const now = deps.clock();

  for (const record of await deps.metadata.listExpired(now, batchSize)) {
    options.signal?.throwIfAborted();
    const expected =
      record.status === 'processing' ? { status: record.status, leaseEndedBefore: now } : { status: record.status };
    const expired = await deps.metadata.transition(record.id, expected, { status: 'expired', leaseUntil: null });
    if (!expired) continue;
    result.expired += 1;
    try {
      await deps.storage.delete(record.incomingKey, { signal: options.signal });
    } catch {
      result.failed += 1;
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
