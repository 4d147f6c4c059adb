// The upload record: one row from `create` to `ready`, and the image it becomes.
import type { ErrorCode, Metadata, UploadStatus, Visibility } from '@direct-upload/protocol';
import type { ImageType } from './image-types.js';

/** `deleted` is a tombstone kept only until the bytes are gone. */
export type RecordStatus = UploadStatus | 'deleted';

export interface UploadRecord {
  id: string;
  owner: string;
  status: RecordStatus;
  filename: string;
  contentType: ImageType;
  size: number;
  /** Base64 SHA-256 the client declared, if any. */
  checksumSha256: string | null;
  visibility: Visibility;
  metadata: Metadata;
  incomingKey: string;
  /** Key of the promoted original, once verified. */
  storageKey: string | null;
  width: number | null;
  height: number | null;
  /** Why verification refused the bytes; replayed on a repeated `complete`. */
  rejectionCode: ErrorCode | null;
  createdAt: Date;
  expiresAt: Date;
  /** While `processing`: until when the verifying call holds the upload. */
  leaseUntil: Date | null;
  completedAt: Date | null;
  /** Processing attempts started so far (each claims the upload with a compare-and-set). */
  attempts: number;
  /** Derived copies written by processing, by name. */
  variants: Record<string, StoredVariant> | null;
  /** A CSS colour shown while the image loads. */
  placeholder: string | null;
}

export interface StoredVariant {
  key: string;
  contentType: string;
  width: number;
  height: number;
  size: number;
}

export type RecordChanges = Partial<
  Pick<
    UploadRecord,
    'status' | 'storageKey' | 'width' | 'height' | 'rejectionCode' | 'leaseUntil' | 'completedAt' | 'attempts' | 'variants' | 'placeholder'
  >
>;

/** What a compare-and-set transition expects to find. */
export interface ExpectedState {
  status: RecordStatus;
  /** Only match when the lease ended before this instant (taking over a crashed verification). */
  leaseEndedBefore?: Date;
  /** Only match this many processing attempts (so one worker's claim excludes another's). */
  attempts?: number;
  /** Only match a record of this owner. */
  owner?: string;
  /** Only match a record that expires after this instant. */
  expiresAfter?: Date;
}
