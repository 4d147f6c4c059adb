// DirectUploadSigner for the disk store: a PUT to this server's upload endpoint, authorized by a token.
import type { DirectUploadRequest, DirectUploadSigner } from '@direct-upload/core';
import type { UploadTarget } from '@direct-upload/protocol';
import { keyUrlPath } from './disk-keys.js';
import { unixSeconds, type DiskTokens } from './disk-tokens.js';

export const UPLOAD_PATH = '/storage/upload/';

export interface DiskUploadSignerOptions {
  /** External base URL of this server, without a trailing slash. */
  publicUrl: string;
  tokens: DiskTokens;
}

export class DiskUploadSigner implements DirectUploadSigner {
  private readonly baseUrl: string;
  private readonly tokens: DiskTokens;

  constructor(options: DiskUploadSignerOptions) {
    this.baseUrl = options.publicUrl.replace(/\/+$/, '');
    this.tokens = options.tokens;
  }

  async sign(request: DirectUploadRequest): Promise<UploadTarget> {
    const token = this.tokens.signUpload({
      uploadId: request.uploadId,
      key: request.key,
      contentType: request.contentType,
      size: request.size,
      ...(request.checksumSha256 !== undefined ? { checksumSha256: request.checksumSha256 } : {}),
      exp: unixSeconds(request.expiresAt),
    });
    // The size and checksum travel inside the token; the browser only has to send the signed type.
    return {
      method: 'PUT',
      url: `${this.baseUrl}${UPLOAD_PATH}${keyUrlPath(request.key)}?token=${token}`,
      headers: { 'content-type': request.contentType },
    };
  }
}
