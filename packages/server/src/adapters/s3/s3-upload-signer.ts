// DirectUploadSigner over S3: a presigned PUT that binds the key, type, exact length and checksum.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadTarget } from '@direct-upload/protocol';
import { DomainError, unavailable } from '@direct-upload/core';
import type { DirectUploadRequest, DirectUploadSigner } from '@direct-upload/core';

export interface S3UploadSignerOptions {
  client: S3Client;
  bucket: string;
  clock?: () => Date;
}

/** SigV4 refuses presigned URLs that live longer than seven days. */
const MAX_EXPIRES_IN = 604_800;
const CHECKSUM_HEADER = 'x-amz-checksum-sha256';

export class S3UploadSigner implements DirectUploadSigner {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly clock: () => Date;

  constructor(options: S3UploadSignerOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.clock = options.clock ?? (() => new Date());
  }

  async sign(request: DirectUploadRequest): Promise<UploadTarget> {
    const signingDate = this.clock();
    // X-Amz-Date keeps whole seconds: count from there so the URL never outlives the upload.
    const signedAt = Math.floor(signingDate.getTime() / 1000) * 1000;
    const expiresIn = Math.min(MAX_EXPIRES_IN, Math.max(1, Math.floor((request.expiresAt.getTime() - signedAt) / 1000)));
    const checksum = request.checksumSha256;

    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: request.key,
      ContentType: request.contentType,
      // A signed Content-Length makes S3 refuse a body of any other size.
      ContentLength: request.size,
      ...(checksum ? { ChecksumSHA256: checksum } : {}),
    });
    let url: string;
    try {
      url = await getSignedUrl(this.client, command, {
        expiresIn,
        signingDate,
        // The presigner leaves Content-Type unsigned unless told otherwise.
        signableHeaders: new Set(['content-type']),
        // Hoisted into the query string, the checksum would not be a header the browser sends.
        unhoistableHeaders: new Set([CHECKSUM_HEADER]),
      });
    } catch (error) {
      // Presigning is local; what can fail is resolving credentials from the provider chain.
      throw unavailable('object storage', error);
    }
    assertBinding(url, checksum !== undefined);

    const headers: Record<string, string> = { 'content-type': request.contentType };
    if (checksum) headers[CHECKSUM_HEADER] = checksum;
    return { method: 'PUT', url, headers };
  }
}

/**
 * A URL that binds less than promised must never reach a browser: a client configured with the
 * SDK's default checksum mode, or a future presigner that signs other headers, fails here.
 */
function assertBinding(url: string, withChecksum: boolean): void {
  const query = new URL(url).searchParams;
  const signed = query.get('X-Amz-SignedHeaders') ?? '';
  const expected = ['content-length', 'content-type', 'host', ...(withChecksum ? [CHECKSUM_HEADER] : [])].join(';');
  const extraChecksum = [...query.keys()].some((name) => name.toLowerCase().startsWith('x-amz-checksum-'));
  if (signed !== expected || extraChecksum) {
    throw new DomainError('internal_error', `presigned PUT signs "${signed}" instead of "${expected}"`);
  }
}
