// The limits every use case enforces, decided once at boot.
import type { Visibility } from '@direct-upload/protocol';
import type { ImageType } from './domain/image-types.js';
import type { VariantSpec } from './ports/image-processor.js';

export interface UploadPolicy {
  maxBytes: number;
  allowedTypes: readonly ImageType[];
  maxPixels: number;
  /** Lifetime of upload URLs and of signed read URLs. */
  urlTtlSeconds: number;
  /** Time after the upload URL expires during which `complete` is still accepted. */
  completeGraceSeconds: number;
  maxPendingUploads: number;
  defaultVisibility: Visibility;
  /** How long one processing attempt holds an upload before another worker may take it over. */
  processingLeaseSeconds: number;
  /** Processing attempts (a failed dependency, a crashed worker) before the upload is rejected. */
  maxProcessingAttempts: number;
  /** Frames an animated image may have. */
  maxFrames: number;
  variants: readonly VariantSpec[];
  /** How long `complete` waits for processing before answering "still processing". */
  completeWaitMs: number;
}

export type Clock = () => Date;
