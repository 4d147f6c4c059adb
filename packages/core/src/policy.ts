// The limits every use case enforces, decided once at boot.
import type { Visibility } from '@direct-upload/protocol';
import type { ImageType } from './domain/image-types.js';

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
  /** How long one `complete` call holds an upload before another may take it over. */
  processingLeaseSeconds: number;
}

export type Clock = () => Date;
