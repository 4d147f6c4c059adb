// Use case: may the store still take bytes for this upload? (Only while it is pending and unexpired.)
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Clock } from '../policy.js';

export async function acceptsBytes(deps: { metadata: MetadataStore; clock: Clock }, uploadId: string): Promise<boolean> {
  const record = await deps.metadata.getUpload(uploadId);
  return record?.status === 'pending' && record.expiresAt > deps.clock();
}
