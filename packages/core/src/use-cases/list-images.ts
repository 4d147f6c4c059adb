// Use case: the caller's ready images, newest first, one page at a time.
import type { ListImagesQuery, ListImagesResponse } from '@direct-upload/protocol';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { DomainError } from '../errors.js';
import type { ReadImagesDeps } from './get-image.js';
import { toImage } from './image-view.js';

export async function listImages(deps: ReadImagesDeps, owner: string, query: ListImagesQuery): Promise<ListImagesResponse> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (after === null) throw new DomainError('invalid_request', 'The cursor is not valid.');
  const records = await deps.metadata.listReady(owner, { limit: query.limit + 1, ...(after ? { after } : {}) });
  const page = records.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    records.length > query.limit && last?.completedAt ? encodeCursor({ completedAt: last.completedAt, id: last.id }) : null;
  const images = await Promise.all(page.map((record) => toImage(record, deps.urls, deps.policy.urlTtlSeconds)));
  return { images, nextCursor };
}
