// Use case: delete one of the caller's images, record and bytes.
import { DomainError } from '../errors.js';
import type { UploadRecord } from '../domain/upload.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Storage } from '../ports/storage.js';

export interface DeleteImageDeps {
  metadata: MetadataStore;
  storage: Storage;
}

export async function deleteImage(deps: DeleteImageDeps, owner: string, id: string, signal?: AbortSignal): Promise<void> {
  const record = await deps.metadata.getUpload(id);
  if (!record || record.owner !== owner || (record.status !== 'ready' && record.status !== 'deleted')) {
    throw new DomainError('not_found');
  }
  if (record.status === 'ready') {
    // The tombstone hides the image at once; if removing the bytes fails, a retry or the sweep finishes it.
    const tombstone = await deps.metadata.transition(id, { status: 'ready' }, { status: 'deleted' });
    if (!tombstone) throw new DomainError('not_found');
  }
  await purge(deps, record, signal);
}

/** Removes the bytes of a tombstoned record, then the record itself. */
export async function purge(deps: DeleteImageDeps, record: UploadRecord, signal?: AbortSignal): Promise<void> {
  for (const variant of Object.values(record.variants ?? {})) await deps.storage.delete(variant.key, { signal });
  if (record.storageKey) await deps.storage.delete(record.storageKey, { signal });
  await deps.storage.delete(record.incomingKey, { signal });
  await deps.metadata.remove(record.id);
}
