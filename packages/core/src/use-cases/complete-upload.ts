// Use case: the client says its bytes are stored; hand them to processing and wait a little for the image.
import type { Image } from '@direct-upload/protocol';
import { incomingKey, ownerSegment } from '../domain/keys.js';
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
  /** The same digest createUpload used, so the upload's key follows from its owner and id. */
  digest: (value: string) => string;
  /**
   * A waiting `complete` reads the record again at least this often (ms, default 2000), woken or
   * not: where the store's notifications do not arrive (e.g. a connection pooler that drops LISTEN),
   * the wait still ends soon after processing does.
   */
  recheckMs?: number;
}

const RECHECK_MS = 2000;

/**
 * Why `done` aborts: it only releases this call's waiter, which ignores the reason. Without one,
 * `abort()` builds a DOMException, which cost `complete` tens of microseconds on every call.
 */
const FINISHED = 'complete-upload finished';

export type CompleteResult =
  | { status: 'ready'; image: Image }
  | { status: 'processing'; upload: { id: string; status: 'processing'; expiresAt: string } };

/*
 * The wait costs nothing while it lasts: no polling, the store wakes this call when the record
 * leaves `processing` (see MetadataStore.waitForSettled), handing over the record as it became or,
 * when it cannot, leaving this call to read it once more.
 * The waiter is registered before the record is first read, so a job finishing in between still
 * wakes it.
 */
export async function completeUpload(
  deps: CompleteUploadDeps,
  owner: string,
  id: string,
  signal?: AbortSignal,
): Promise<CompleteResult> {
  const waitMs = deps.policy.completeWaitMs;
  const recheckMs = deps.recheckMs ?? RECHECK_MS;
  // Real time, not the domain clock: this is how long the client's request may be held.
  const deadline = performance.now() + waitMs;
  const done = new AbortController();
  const stop = () => done.abort(FINISHED);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let settled = waitMs > 0 ? deps.metadata.waitForSettled(id, Math.min(waitMs, recheckMs), done.signal) : null;
    const attempt = await startAtOnce(deps, owner, id, signal);
    let record = attempt.started ?? (await findOwned(deps.metadata, owner, id));
    if (record.status === 'pending') record = await startProcessing(deps, record, attempt.absentKey, signal);
    while (record.status === 'processing' && settled) {
      const known = await settled;
      if (signal?.aborted) throw signal.reason;
      if (known && known.status !== 'processing') {
        record = owned(known, owner);
        break;
      }
      const remaining = deadline - performance.now();
      settled = remaining > 0 ? deps.metadata.waitForSettled(id, Math.min(remaining, recheckMs), done.signal) : null;
      record = await findOwned(deps.metadata, owner, id);
    }
    return outcome(deps, record);
  } finally {
    signal?.removeEventListener('abort', stop);
    done.abort(FINISHED);
  }
}

/** What the first try found: the upload started, or else the key it found empty, if any. */
interface Attempt {
  started: UploadRecord | null;
  absentKey: string | null;
}

/**
 * The usual call, without reading the record first: the key follows from the owner and the id, so
 * the `HEAD` comes first, and the compare-and-set that starts processing also checks the owner and
 * the expiry. Nothing started when the bytes are not there or the record is not the owner's
 * unexpired pending upload; the caller then reads the record and takes the path that says why
 * (unknown, another owner's, expired, not uploaded yet, started already or done).
 */
async function startAtOnce(deps: CompleteUploadDeps, owner: string, id: string, signal?: AbortSignal): Promise<Attempt> {
  const key = incomingKey(ownerSegment(owner, deps.digest), id);
  try {
    if (!(await deps.storage.head(key, { signal }))) return { started: null, absentKey: key };
  } catch (error) {
    // With the store down, an unknown or foreign id is still a 404: the record decides, and the
    // store's outage is reported only where the bytes matter.
    if (signal?.aborted) throw error;
    return { started: null, absentKey: null };
  }
  const now = deps.clock();
  const started = await deps.metadata.transition(id, { status: 'pending', owner, expiresAfter: now }, processingChanges(deps, now));
  if (started) await enqueue(deps, id);
  return { started, absentKey: null };
}

const processingChanges = (deps: CompleteUploadDeps, now: Date) => ({
  status: 'processing' as const,
  leaseUntil: new Date(now.getTime() + deps.policy.processingLeaseSeconds * 1000),
  attempts: 0,
});

/** A failed enqueue loses nothing: the reconciler finds the upload once its lease runs out. */
const enqueue = (deps: CompleteUploadDeps, id: string) => deps.jobs.enqueue(id).catch(() => undefined);

/**
 * pending -> processing, once the bytes are there; the job does the heavy verification. `absentKey`
 * is a key just found empty, not looked at again.
 */
async function startProcessing(
  deps: CompleteUploadDeps,
  record: UploadRecord,
  absentKey: string | null,
  signal?: AbortSignal,
): Promise<UploadRecord> {
  const now = deps.clock();
  if (record.expiresAt <= now) {
    const expired = await deps.metadata.transition(record.id, { status: 'pending' }, { status: 'expired', leaseUntil: null });
    if (expired) await deps.storage.delete(record.incomingKey, { signal }).catch(() => undefined);
    throw new DomainError('upload_expired');
  }
  // A cheap look before queuing work: completing before the transfer finished is a client error (409).
  if (record.incomingKey === absentKey || !(await deps.storage.head(record.incomingKey, { signal }))) {
    throw new DomainError('not_uploaded');
  }
  const started = await deps.metadata.transition(record.id, { status: 'pending' }, processingChanges(deps, now));
  if (!started) return findOwned(deps.metadata, record.owner, record.id); // a concurrent call started it
  await enqueue(deps, record.id);
  return started;
}

async function outcome(deps: CompleteUploadDeps, record: UploadRecord): Promise<CompleteResult> {
  switch (record.status) {
    case 'ready':
      return { status: 'ready', image: await toImage(record, deps.urls, deps.policy.urlTtlSeconds) };
    case 'rejected':
      throw new DomainError(record.rejectionCode ?? 'invalid_image');
    case 'expired':
      throw new DomainError('upload_expired');
    case 'processing':
      return { status: 'processing', upload: { id: record.id, status: 'processing', expiresAt: record.expiresAt.toISOString() } };
    default:
      // `pending` again cannot happen; `deleted` is hidden by findOwned.
      throw new DomainError('not_uploaded');
  }
}

export async function findOwned(metadata: MetadataStore, owner: string, id: string): Promise<UploadRecord> {
  return owned(await metadata.getUpload(id), owner);
}

function owned(record: UploadRecord | null, owner: string): UploadRecord {
  // Another owner's upload is reported exactly like a missing one.
  if (!record || record.owner !== owner || record.status === 'deleted') throw new DomainError('not_found');
  return record;
}
