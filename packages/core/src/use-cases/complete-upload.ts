// Use case: the client says its bytes are stored; hand them to processing and wait a little for the image.
import type { Image } from '@direct-upload/protocol';
import type { UploadRecord } from '../domain/upload.js';
import { DomainError } from '../errors.js';
import type { JobRunner } from '../ports/job-runner.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Storage } from '../ports/storage.js';
import type { UrlResolver } from '../ports/url-resolver.js';
import type { Clock, UploadPolicy } from '../policy.js';
import { toImage } from './image-view.js';

export interface CompleteUploadDeps {
  metadata: MetadataStore;
  storage: Storage;
  urls: UrlResolver;
  jobs: JobRunner;
  policy: UploadPolicy;
  clock: Clock;
  /** Waits between looks at a processing upload; injectable so tests need not sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type CompleteResult =
  | { status: 'ready'; image: Image }
  | { status: 'processing'; upload: { id: string; status: 'processing'; expiresAt: string } };

const POLL_MS = 50;
const MAX_POLL_MS = 500;

export async function completeUpload(
  deps: CompleteUploadDeps,
  owner: string,
  id: string,
  signal?: AbortSignal,
): Promise<CompleteResult> {
  const record = await findOwned(deps.metadata, owner, id);
  if (record.status === 'pending') await startProcessing(deps, record, signal);
  return waitForOutcome(deps, owner, id, signal);
}

/** pending -> processing, once the bytes are there; the job does the heavy verification. */
async function startProcessing(deps: CompleteUploadDeps, record: UploadRecord, signal?: AbortSignal): Promise<void> {
  const now = deps.clock();
  if (record.expiresAt <= now) {
    const expired = await deps.metadata.transition(record.id, { status: 'pending' }, { status: 'expired', leaseUntil: null });
    if (expired) await deps.storage.delete(record.incomingKey, { signal }).catch(() => undefined);
    throw new DomainError('upload_expired');
  }
  // A cheap look before queuing work: completing before the transfer finished is a client error (409).
  if (!(await deps.storage.head(record.incomingKey, { signal }))) throw new DomainError('not_uploaded');
  const leaseUntil = new Date(now.getTime() + deps.policy.processingLeaseSeconds * 1000);
  const started = await deps.metadata.transition(record.id, { status: 'pending' }, { status: 'processing', leaseUntil, attempts: 0 });
  // A failed enqueue loses nothing: the reconciler finds the upload once its lease runs out.
  if (started) await deps.jobs.enqueue(record.id).catch(() => undefined);
}

async function waitForOutcome(deps: CompleteUploadDeps, owner: string, id: string, signal?: AbortSignal): Promise<CompleteResult> {
  const sleep = deps.sleep ?? delay;
  let waited = 0;
  for (let pause = POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    const record = await findOwned(deps.metadata, owner, id);
    switch (record.status) {
      case 'ready':
        return { status: 'ready', image: await toImage(record, deps.urls, deps.policy.urlTtlSeconds) };
      case 'rejected':
        throw new DomainError(record.rejectionCode ?? 'invalid_image');
      case 'expired':
        throw new DomainError('upload_expired');
      case 'pending':
        // Processing handed it back (not possible today) or it never started: report as not uploaded.
        throw new DomainError('not_uploaded');
      case 'processing':
        if (waited >= deps.policy.completeWaitMs) {
          return { status: 'processing', upload: { id, status: 'processing', expiresAt: record.expiresAt.toISOString() } };
        }
    }
    const step = Math.min(pause, deps.policy.completeWaitMs - waited);
    await sleep(step, signal);
    waited += step;
  }
}

export async function findOwned(metadata: MetadataStore, owner: string, id: string): Promise<UploadRecord> {
  const record = await metadata.getUpload(id);
  // Another owner's upload is reported exactly like a missing one.
  if (!record || record.owner !== owner || record.status === 'deleted') throw new DomainError('not_found');
  return record;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
