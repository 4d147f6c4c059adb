// Use case: verify the uploaded bytes, promote them out of quarantine and record the image.
import type { ErrorCode, Image } from '@direct-upload/protocol';
import { contentDisposition } from '../domain/filename.js';
import { SNIFF_BYTES, sniffImageType } from '../domain/image-types.js';
import { storedKey } from '../domain/keys.js';
import type { UploadRecord } from '../domain/upload.js';
import { DomainError, isDomainError } from '../errors.js';
import type { ImageProcessor } from '../ports/image-processor.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Storage } from '../ports/storage.js';
import type { UrlResolver } from '../ports/url-resolver.js';
import type { UploadObserver } from '../ports/upload-observer.js';
import type { Clock, UploadPolicy } from '../policy.js';
import { toImage } from './image-view.js';
import { sha256Base64 } from './sha256.js';

export interface CompleteUploadDeps {
  metadata: MetadataStore;
  storage: Storage;
  images: ImageProcessor;
  urls: UrlResolver;
  policy: UploadPolicy;
  clock: Clock;
  observer?: UploadObserver;
}

const PUBLIC_CACHE = 'public, max-age=31536000, immutable';
const PRIVATE_CACHE = 'private, max-age=300';

/** Verification outcomes that reject the upload for good (as opposed to retryable failures). */
const REJECTIONS: ReadonlySet<ErrorCode> = new Set([
  'size_mismatch',
  'type_mismatch',
  'checksum_mismatch',
  'invalid_image',
  'image_too_large',
  'file_too_large',
]);

export async function completeUpload(
  deps: CompleteUploadDeps,
  owner: string,
  id: string,
  signal?: AbortSignal,
): Promise<Image> {
  const record = await findOwned(deps.metadata, owner, id);
  const now = deps.clock();
  switch (record.status) {
    case 'ready':
      return toImage(record, deps.urls, deps.policy.urlTtlSeconds);
    case 'rejected':
      throw new DomainError(record.rejectionCode ?? 'invalid_image');
    case 'expired':
      throw new DomainError('upload_expired');
    case 'processing': {
      if (record.leaseUntil && record.leaseUntil > now) throw new DomainError('upload_in_progress');
      break;
    }
    case 'pending':
      break;
  }
  if (record.expiresAt <= now) {
    const expired = await deps.metadata.transition(id, expectedFor(record, now), { status: 'expired', leaseUntil: null });
    if (expired) await deps.storage.delete(record.incomingKey, { signal }).catch(() => undefined);
    throw new DomainError('upload_expired');
  }

  const leaseUntil = new Date(now.getTime() + deps.policy.processingLeaseSeconds * 1000);
  const claimed = await deps.metadata.transition(id, expectedFor(record, now), { status: 'processing', leaseUntil });
  if (!claimed) return settledByOther(deps, owner, id);

  let verified: { width: number; height: number };
  try {
    verified = await verify(deps, claimed, signal);
  } catch (error) {
    if (isDomainError(error) && REJECTIONS.has(error.code)) {
      await reject(deps, claimed, error.code, signal);
      throw error;
    }
    // Not the bytes' fault (not there yet, a dependency down): hand the upload back for a retry.
    await deps.metadata
      .transition(id, { status: 'processing' }, { status: 'pending', leaseUntil: null })
      .catch(() => undefined);
    throw error;
  }

  const key = storedKey(claimed.visibility, id);
  await deps.storage.copy(
    claimed.incomingKey,
    key,
    {
      contentType: claimed.contentType,
      cacheControl: claimed.visibility === 'public' ? PUBLIC_CACHE : PRIVATE_CACHE,
      contentDisposition: contentDisposition('inline', claimed.filename),
    },
    { signal },
  );
  const ready = await deps.metadata.transition(
    id,
    { status: 'processing' },
    { status: 'ready', storageKey: key, width: verified.width, height: verified.height, completedAt: deps.clock(), leaseUntil: null },
  );
  if (!ready) return settledByOther(deps, owner, id);
  deps.observer?.uploadCompleted(ready.contentType, ready.size);
  // The promoted copy is committed; a failure here only leaves quarantine garbage behind.
  await deps.storage.delete(claimed.incomingKey, { signal }).catch(() => undefined);
  return toImage(ready, deps.urls, deps.policy.urlTtlSeconds);
}

async function findOwned(metadata: MetadataStore, owner: string, id: string): Promise<UploadRecord> {
  const record = await metadata.getUpload(id);
  // Another owner's upload is reported exactly like a missing one.
  if (!record || record.owner !== owner || record.status === 'deleted') throw new DomainError('not_found');
  return record;
}

function expectedFor(record: UploadRecord, now: Date) {
  return record.status === 'processing' ? { status: record.status, leaseEndedBefore: now } : { status: record.status };
}

/** Another call changed the upload between our read and our write: answer with its outcome. */
async function settledByOther(deps: CompleteUploadDeps, owner: string, id: string): Promise<Image> {
  const record = await findOwned(deps.metadata, owner, id);
  if (record.status === 'ready') return toImage(record, deps.urls, deps.policy.urlTtlSeconds);
  if (record.status === 'rejected') throw new DomainError(record.rejectionCode ?? 'invalid_image');
  if (record.status === 'expired') throw new DomainError('upload_expired');
  throw new DomainError('upload_in_progress');
}

async function verify(
  deps: CompleteUploadDeps,
  record: UploadRecord,
  signal: AbortSignal | undefined,
): Promise<{ width: number; height: number }> {
  const head = await deps.storage.head(record.incomingKey, { signal });
  if (!head) throw new DomainError('not_uploaded');
  if (head.size !== record.size) {
    throw new DomainError('size_mismatch', `Stored ${head.size} bytes, declared ${record.size}.`);
  }
  if (normalizeType(head.contentType) !== record.contentType) {
    throw new DomainError('type_mismatch', `Stored as "${head.contentType ?? 'unknown'}", declared "${record.contentType}".`);
  }
  const bytes = await deps.storage.read(record.incomingKey, { maxBytes: record.size, signal });
  if (!bytes) throw new DomainError('not_uploaded');
  if (bytes.byteLength !== record.size) throw new DomainError('size_mismatch');
  if (record.checksumSha256 && (await sha256Base64(bytes)) !== record.checksumSha256) {
    throw new DomainError('checksum_mismatch');
  }
  const sniffed = sniffImageType(bytes.subarray(0, SNIFF_BYTES));
  if (sniffed !== record.contentType) {
    throw new DomainError('type_mismatch', `The bytes are ${sniffed ?? 'not an accepted image type'}, declared "${record.contentType}".`);
  }
  const info = await deps.images.inspect(bytes, { maxPixels: deps.policy.maxPixels, signal });
  if (info.type !== record.contentType) throw new DomainError('type_mismatch');
  return { width: info.width, height: info.height };
}

async function reject(deps: CompleteUploadDeps, record: UploadRecord, code: ErrorCode, signal?: AbortSignal) {
  const rejected = await deps.metadata.transition(
    record.id,
    { status: 'processing' },
    { status: 'rejected', rejectionCode: code, leaseUntil: null },
  );
  if (!rejected) return;
  deps.observer?.uploadRejected(code);
  await deps.storage.delete(record.incomingKey, { signal }).catch(() => undefined);
}

function normalizeType(value: string | undefined): string | undefined {
  return value?.split(';')[0]?.trim().toLowerCase();
}
