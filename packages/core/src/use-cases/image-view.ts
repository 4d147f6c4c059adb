// Turns a ready record into the image the API returns, with a URL fit for its visibility.
import type { Image } from '@direct-upload/protocol';
import type { UploadRecord } from '../domain/upload.js';
import type { UrlResolver } from '../ports/url-resolver.js';
import { DomainError } from '../errors.js';

export async function toImage(record: UploadRecord, urls: UrlResolver, urlTtlSeconds: number): Promise<Image> {
  if (record.status !== 'ready' || !record.storageKey || !record.completedAt) {
    throw new DomainError('internal_error', `upload ${record.id} is not a ready image`);
  }
  const url =
    record.visibility === 'public'
      ? urls.publicUrl(record.storageKey)
      : await urls.signedUrl(record.storageKey, {
          expiresInSeconds: urlTtlSeconds,
          contentType: record.contentType,
          filename: record.filename,
        });
  return {
    id: record.id,
    status: 'ready',
    filename: record.filename,
    contentType: record.contentType,
    size: record.size,
    width: record.width ?? 0,
    height: record.height ?? 0,
    visibility: record.visibility,
    url,
    createdAt: record.completedAt.toISOString(),
    metadata: record.metadata,
  };
}
