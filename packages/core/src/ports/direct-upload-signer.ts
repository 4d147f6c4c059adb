// DirectUploadSigner port: turns an authorized upload into a request the browser sends straight to storage.
import type { UploadTarget } from '@direct-upload/protocol';

export interface DirectUploadRequest {
  uploadId: string;
  key: string;
  contentType: string;
  /** Exact length in bytes; the target must refuse any other. */
  size: number;
  /** Base64 SHA-256 of the body; when present the target must refuse other bytes. */
  checksumSha256?: string;
  expiresAt: Date;
}

export interface DirectUploadSigner {
  sign(request: DirectUploadRequest): Promise<UploadTarget>;
}
