// Use case: authorize an upload, record it as pending and sign the direct transfer.
import type { CreateUploadRequest, CreateUploadResponse } from '@direct-upload/protocol';
import { isImageType } from '../domain/image-types.js';
import { cleanFilename } from '../domain/filename.js';
import { incomingKey, ownerSegment } from '../domain/keys.js';
import type { UploadRecord } from '../domain/upload.js';
import { DomainError } from '../errors.js';
import type { DirectUploadSigner } from '../ports/direct-upload-signer.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { UploadObserver } from '../ports/upload-observer.js';
import type { Clock, UploadPolicy } from '../policy.js';

export interface CreateUploadDeps {
  metadata: MetadataStore;
  signer: DirectUploadSigner;
  ownerRateLimiter: RateLimiter;
  policy: UploadPolicy;
  clock: Clock;
  newId: () => string;
  /** Hex digest used to turn owner ids that are unsafe in keys into safe ones. */
  digest: (value: string) => string;
  observer?: UploadObserver;
}

export async function createUpload(
  deps: CreateUploadDeps,
  owner: string,
  request: CreateUploadRequest,
): Promise<CreateUploadResponse> {
  const { policy } = deps;
  // Refused attempts count too, so probing the limits costs the same as using them.
  const decision = await deps.ownerRateLimiter.consume(owner);
  if (!decision.allowed) {
    deps.observer?.limitRefused('owner_rate');
    throw new DomainError('rate_limited', undefined, { retryAfterSeconds: decision.retryAfterSeconds });
  }

  const contentType = request.contentType.trim().toLowerCase();
  if (!isImageType(contentType) || !policy.allowedTypes.includes(contentType)) {
    throw new DomainError('unsupported_type', `Type "${request.contentType}" is not allowed; allowed: ${policy.allowedTypes.join(', ')}.`);
  }
  if (request.size > policy.maxBytes) {
    throw new DomainError('file_too_large', `The file is ${request.size} bytes; the limit is ${policy.maxBytes}.`);
  }

  const now = deps.clock();
  const id = deps.newId();
  const urlExpiresAt = new Date(now.getTime() + policy.urlTtlSeconds * 1000);
  const record: UploadRecord = {
    id,
    owner,
    status: 'pending',
    filename: cleanFilename(request.filename),
    contentType,
    size: request.size,
    checksumSha256: request.checksum?.value ?? null,
    visibility: request.visibility ?? policy.defaultVisibility,
    metadata: request.metadata ?? {},
    incomingKey: incomingKey(ownerSegment(owner, deps.digest), id),
    storageKey: null,
    width: null,
    height: null,
    rejectionCode: null,
    createdAt: now,
    expiresAt: new Date(urlExpiresAt.getTime() + policy.completeGraceSeconds * 1000),
    leaseUntil: null,
    completedAt: null,
    attempts: 0,
    variants: null,
    placeholder: null,
  };
  // The record comes first: a signed URL without a row would be an untracked orphan.
  if (!(await deps.metadata.insertUploadWithinCap(record, policy.maxPendingUploads, now))) {
    deps.observer?.limitRefused('pending_cap');
    throw new DomainError('too_many_pending_uploads', undefined, { retryAfterSeconds: policy.urlTtlSeconds });
  }
  const target = await deps.signer.sign({
    uploadId: id,
    key: record.incomingKey,
    contentType,
    size: record.size,
    ...(record.checksumSha256 ? { checksumSha256: record.checksumSha256 } : {}),
    expiresAt: urlExpiresAt,
  });
  deps.observer?.uploadCreated(contentType);
  return { upload: { id, status: 'pending', expiresAt: record.expiresAt.toISOString() }, target };
}
