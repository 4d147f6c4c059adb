// Use case (job): verify an upload's bytes, write the served original and its variants, record the image.
import type { ErrorCode } from '@direct-upload/protocol';
import { contentDisposition } from '../domain/filename.js';
import { originalKey, variantKey } from '../domain/keys.js';
import type { StoredVariant, UploadRecord } from '../domain/upload.js';
import { isDomainError } from '../errors.js';
import type { ImageProcessor } from '../ports/image-processor.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Storage } from '../ports/storage.js';
import type { UploadObserver } from '../ports/upload-observer.js';
import type { Clock, UploadPolicy } from '../policy.js';
import { variantFilename } from './image-view.js';
import type { Sha256Base64 } from './sha256.js';
import { readVerifiedBytes } from './verify-bytes.js';

export interface ProcessUploadDeps {
  metadata: MetadataStore;
  storage: Storage;
  images: ImageProcessor;
  policy: UploadPolicy;
  clock: Clock;
  observer?: UploadObserver;
  /**
   * Hashes the upload to check its declared checksum; WebCrypto's by default, which copies the bytes
   * before hashing them (a photo's worth of memory and time per upload): a runtime with a hash that
   * reads the bytes in place passes it here.
   */
  sha256?: Sha256Base64;
}

const PUBLIC_CACHE = 'public, max-age=31536000, immutable';
const PRIVATE_CACHE = 'private, max-age=300';
const MAX_BACKOFF_SECONDS = 300;

/** Outcomes that are the bytes' fault: the upload is refused for good. */
const REJECTIONS: ReadonlySet<ErrorCode> = new Set([
  'size_mismatch',
  'type_mismatch',
  'checksum_mismatch',
  'invalid_image',
  'image_too_large',
  'file_too_large',
  'not_uploaded',
]);

/**
 * Safe under duplicate and concurrent delivery: each attempt claims the upload by bumping its
 * attempt count with a compare-and-set, and only the holder of the latest claim may finish it.
 * Throws only for failures worth retrying (a dependency down); the upload then waits out a backoff
 * lease, after which the reconciler queues it again.
 */
export async function processUpload(deps: ProcessUploadDeps, id: string, signal?: AbortSignal): Promise<void> {
  const record = await deps.metadata.getUpload(id);
  if (!record || record.status !== 'processing') return;
  const now = deps.clock();
  // Someone holds a live claim (or a failed attempt is backing off): not ours to run now.
  if (record.attempts > 0 && record.leaseUntil && record.leaseUntil > now) return;
  if (record.attempts >= deps.policy.maxProcessingAttempts) {
    await reject(deps, record, record.attempts, 'processing_failed', signal);
    return;
  }
  const attempt = record.attempts + 1;
  const leaseUntil = new Date(now.getTime() + deps.policy.processingLeaseSeconds * 1000);
  const claimed = await deps.metadata.transition(id, { status: 'processing', attempts: record.attempts }, { attempts: attempt, leaseUntil });
  if (!claimed) return;

  let stored: { original: string; variants: Record<string, StoredVariant>; width: number; height: number; placeholder: string };
  try {
    stored = await produce(deps, claimed, signal);
  } catch (error) {
    if (isDomainError(error) && REJECTIONS.has(error.code)) {
      await reject(deps, claimed, attempt, error.code, signal);
      return;
    }
    const backoffSeconds = Math.min(MAX_BACKOFF_SECONDS, 5 * 2 ** (attempt - 1));
    await deps.metadata
      .transition(id, { status: 'processing', attempts: attempt }, { leaseUntil: new Date(deps.clock().getTime() + backoffSeconds * 1000) })
      .catch(() => undefined);
    throw error;
  }

  const ready = await deps.metadata.transition(
    id,
    { status: 'processing', attempts: attempt },
    {
      status: 'ready',
      storageKey: stored.original,
      width: stored.width,
      height: stored.height,
      variants: stored.variants,
      placeholder: stored.placeholder,
      completedAt: deps.clock(),
      leaseUntil: null,
    },
  );
  // A later claim took over (this attempt outlived its lease): it writes the same keys and finishes.
  if (!ready) return;
  deps.observer?.uploadCompleted(ready.contentType, ready.size);
  // The served copies are committed; a failure here only leaves quarantine garbage behind.
  await deps.storage.delete(record.incomingKey, { signal }).catch(() => undefined);
}

async function produce(deps: ProcessUploadDeps, record: UploadRecord, signal?: AbortSignal) {
  const bytes = await readVerifiedBytes(deps, record, signal);
  const processed = await deps.images.process(bytes, {
    maxPixels: deps.policy.maxPixels,
    maxFrames: deps.policy.maxFrames,
    variants: deps.policy.variants,
    ...(signal ? { signal } : {}),
  });
  const cacheControl = record.visibility === 'public' ? PUBLIC_CACHE : PRIVATE_CACHE;
  const original = originalKey(record.visibility, record.id);
  const originalHeaders = { contentType: record.contentType, cacheControl, contentDisposition: contentDisposition('inline', record.filename) };
  // The writes go out together: each waits on the store, not on the others (all are in memory already).
  const writes: Array<Promise<void>> = [
    // Unchanged bytes (no metadata to strip) are copied store-side rather than sent again.
    sameBytes(processed.original, bytes)
      ? deps.storage.copy(record.incomingKey, original, originalHeaders, { signal })
      : deps.storage.put(original, processed.original, originalHeaders, { signal }),
  ];
  const variants: Record<string, StoredVariant> = {};
  for (const variant of processed.variants) {
    const key = variantKey(record.visibility, record.id, variant.name, extensionOf(variant.contentType));
    writes.push(
      deps.storage.put(
        key,
        variant.bytes,
        { contentType: variant.contentType, cacheControl, contentDisposition: contentDisposition('inline', variantFilename(record.filename, variant.name, { key })) },
        { signal },
      ),
    );
    variants[variant.name] = { key, contentType: variant.contentType, width: variant.width, height: variant.height, size: variant.bytes.byteLength };
  }
  // Every write settles before this attempt ends, so none outlives it; the first failure is the one reported.
  const settled = await Promise.allSettled(writes);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return { original, variants, width: processed.info.width, height: processed.info.height, placeholder: processed.placeholder };
}

async function reject(deps: ProcessUploadDeps, record: UploadRecord, attempts: number, code: ErrorCode, signal?: AbortSignal) {
  const rejected = await deps.metadata.transition(
    record.id,
    { status: 'processing', attempts },
    { status: 'rejected', rejectionCode: code, leaseUntil: null },
  );
  if (!rejected) return;
  deps.observer?.uploadRejected(code);
  await deps.storage.delete(record.incomingKey, { signal }).catch(() => undefined);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function extensionOf(contentType: string): string {
  return contentType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin';
}
