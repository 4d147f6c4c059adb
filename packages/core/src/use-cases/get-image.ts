// Use case: one of the caller's ready images.
import type { Image } from '@direct-upload/protocol';
import { DomainError } from '../errors.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { UrlResolver } from '../ports/url-resolver.js';
import type { UploadPolicy } from '../policy.js';
import { toImage } from './image-view.js';

export interface ReadImagesDeps {
  metadata: MetadataStore;
  urls: UrlResolver;
  policy: Pick<UploadPolicy, 'urlTtlSeconds'>;
}

export async function getImage(deps: ReadImagesDeps, owner: string, id: string): Promise<Image> {
  const record = await deps.metadata.getUpload(id);
  if (!record || record.owner !== owner || record.status !== 'ready') throw new DomainError('not_found');
  return toImage(record, deps.urls, deps.policy.urlTtlSeconds);
}
