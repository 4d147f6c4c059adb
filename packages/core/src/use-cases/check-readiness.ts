// Use case: are the database and the object store reachable?
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Storage } from '../ports/storage.js';

export interface Readiness {
  ready: boolean;
  checks: { database: boolean; storage: boolean };
}

export async function checkReadiness(
  deps: { metadata: MetadataStore; storage: Storage },
  signal?: AbortSignal,
): Promise<Readiness> {
  const [database, storage] = await Promise.all([settle(deps.metadata.ping(), signal), settle(deps.storage.ping({ signal }), signal)]);
  return { ready: database && storage, checks: { database, storage } };
}

/** True when the check passes before the signal aborts; a hung dependency counts as down. */
function settle(check: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    check.then(() => resolve(true), () => resolve(false));
    if (signal?.aborted) resolve(false);
    signal?.addEventListener('abort', () => resolve(false), { once: true });
  });
}
