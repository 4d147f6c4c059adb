// UploadObserver port: hears what happened to uploads, e.g. to count it in metrics. Must not throw.
import type { ErrorCode } from '@direct-upload/protocol';

export interface UploadObserver {
  uploadCreated(contentType: string): void;
  /** Called once per image, when it becomes ready (not on idempotent repeats). */
  uploadCompleted(contentType: string, size: number): void;
  /** Verification refused the bytes (once per upload). */
  uploadRejected(reason: ErrorCode): void;
  /** A request refused by a rate limit or cap. */
  limitRefused(limit: 'owner_rate' | 'ip_rate' | 'pending_cap'): void;
}

export const silentObserver: UploadObserver = {
  uploadCreated() {},
  uploadCompleted() {},
  uploadRejected() {},
  limitRefused() {},
};
