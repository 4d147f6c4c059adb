// One file's trip once it is allowed to go: hash, create, transfer (renewing an expired URL once), complete and wait.
import type { Image, Metadata, Visibility } from '@direct-upload/protocol';
import type { ApiClient } from './api-client.js';
import type { RetryOptions, Sleep } from './backoff.js';
import { completeWhenReady } from './complete-when-ready.js';
import type { UploadFile } from './file-check.js';
import { sha256Base64 } from './sha256.js';
import { classifyTransfer } from './transfer-outcome.js';
import type { Transport } from './transport.js';
import { isUploadError, throwIfAborted, UploadError } from './upload-error.js';
import type { UploadEvent } from './upload-state.js';
import { withRetry } from './with-retry.js';

export interface RunUploadDeps {
  api: ApiClient;
  transport: Transport;
  retry: RetryOptions;
  /** Longest wait for the server's processing of the image, once it said it had started. */
  processingTimeoutMs: number;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  hash?: (blob: Blob, signal?: AbortSignal) => Promise<string | null>;
}

/** Work already done for a file, kept between tries so that a retry does not redo it. */
export interface UploadMemo {
  checksum?: string | null;
  /** An upload whose bytes reached storage but which is not completed yet. */
  transferredUploadId?: string;
}

export interface RunUploadJob {
  file: UploadFile;
  visibility?: Visibility;
  metadata?: Metadata;
  signal: AbortSignal;
  emit: (event: UploadEvent) => void;
  memo: UploadMemo;
}

/** `complete` answers that mean the transferred upload is gone and the file must go again. */
const RESTART_CODES = new Set(['upload_expired', 'not_found', 'not_uploaded']);

const FILENAME_MAX = 255;

export async function runUpload(deps: RunUploadDeps, job: RunUploadJob): Promise<Image> {
  const { file, signal, emit, memo } = job;
  const retrying = { retry: deps.retry, signal, ...(deps.sleep ? { sleep: deps.sleep } : {}), ...(deps.random ? { random: deps.random } : {}) };
  const complete = (id: string) =>
    completeWhenReady(deps.api, id, {
      ...retrying,
      processingTimeoutMs: deps.processingTimeoutMs,
      ...(deps.now ? { now: deps.now } : {}),
      onProcessing: () => emit({ type: 'process' }),
    });
  throwIfAborted(signal);

  if (memo.transferredUploadId) {
    emit({ type: 'verify' });
    try {
      return await complete(memo.transferredUploadId);
    } catch (error) {
      if (!isUploadError(error) || !RESTART_CODES.has(error.code)) throw error;
      delete memo.transferredUploadId;
    }
  }

  if (memo.checksum === undefined) {
    emit({ type: 'hash' });
    memo.checksum = await (deps.hash ?? sha256Base64)(file, signal);
  }

  let renewed = false;
  for (;;) {
    throwIfAborted(signal);
    const { upload, target } = await deps.api.createUpload(
      {
        filename: (file.name || 'image').slice(0, FILENAME_MAX),
        contentType: file.type.trim().toLowerCase(),
        size: file.size,
        ...(memo.checksum ? { checksum: { algorithm: 'sha256', value: memo.checksum } } : {}),
        ...(job.visibility ? { visibility: job.visibility } : {}),
        ...(job.metadata ? { metadata: job.metadata } : {}),
      },
      signal,
    );
    emit({ type: 'progress', loaded: 0, total: file.size });
    const outcome = await withRetry(async () => {
      const response = await deps.transport({
        method: target.method,
        url: deps.api.resolveUrl(target.url),
        headers: target.headers,
        body: file,
        signal,
        onProgress: (loaded, total) => emit({ type: 'progress', loaded, total }),
      });
      const result = classifyTransfer(response);
      if (result.kind === 'failed') throw result.error;
      return result;
    }, retrying);

    if (outcome.kind === 'expired') {
      // Once: a URL that expires twice in a row means the transfer itself is too slow.
      if (renewed) throw new UploadError('upload_url_expired', 'The upload URL has expired.', { status: 403 });
      renewed = true;
      continue;
    }
    emit({ type: 'progress', loaded: file.size, total: file.size });
    memo.transferredUploadId = upload.id;
    emit({ type: 'verify' });
    const image = await complete(upload.id);
    delete memo.transferredUploadId;
    return image;
  }
}
