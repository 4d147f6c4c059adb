// Turns a ready record into the image the API returns, with URLs fit for its visibility.
import type { Image, Variant } from '@direct-upload/protocol';
import type { StoredVariant, UploadRecord } from '../domain/upload.js';
import type { UrlResolver } from '../ports/url-resolver.js';
import { DomainError } from '../errors.js';

export async function toImage(record: UploadRecord, urls: UrlResolver, urlTtlSeconds: number): Promise<Image> {
  if (record.status !== 'ready' || !record.storageKey || !record.completedAt) {
    throw new DomainError('internal_error', `upload ${record.id} is not a ready image`);
  }
  const urlOf = (key: string, contentType: string, filename: string) =>
    record.visibility === 'public'
      ? Promise.resolve(urls.publicUrl(key))
      : urls.signedUrl(key, { expiresInSeconds: urlTtlSeconds, contentType, filename });
  const variants: Record<string, Variant> = {};
  for (const [name, variant] of Object.entries(record.variants ?? {})) {
    variants[name] = {
      url: await urlOf(variant.key, variant.contentType, variantFilename(record.filename, name, variant)),
      width: variant.width,
      height: variant.height,
      contentType: variant.contentType,
      size: variant.size,
    };
  }
  return {
    id: record.id,
    status: 'ready',
    filename: record.filename,
    contentType: record.contentType,
    size: record.size,
    width: record.width ?? 0,
    height: record.height ?? 0,
    visibility: record.visibility,
    url: await urlOf(record.storageKey, record.contentType, record.filename),
    createdAt: record.completedAt.toISOString(),
    metadata: record.metadata,
    variants,
    placeholder: record.placeholder,
  };
}

/** `photo.jpg` + `thumb` (webp) -> `photo-thumb.webp`. */
export function variantFilename(filename: string, name: string, variant: Pick<StoredVariant, 'key'>): string {
  const base = filename.replace(/\.[^.]*$/, '') || 'image';
  const extension = variant.key.split('.').at(-1) ?? 'bin';
  return `${base}-${name}.${extension}`;
}
