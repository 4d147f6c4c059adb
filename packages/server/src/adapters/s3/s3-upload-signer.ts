// DirectUploadSigner over S3: a presigned PUT that binds the key, type, exact length and checksum.
import type { S3Client } from '@aws-sdk/client-s3';
import type { UploadTarget } from '@direct-upload/protocol';
import { DomainError, unavailable } from '@direct-upload/core';
import type { DirectUploadRequest, DirectUploadSigner } from '@direct-upload/core';
import { presignerFor } from './s3-bucket-locator.js';
import type { SigV4Presigner } from './sigv4-presigner.js';

export interface S3UploadSignerOptions {
  client: S3Client;
  bucket: string;
  clock?: () => Date;
  /** Shared with the client's other S3 adapters (see presignerFor); one of its own when absent. */
  presigner?: SigV4Presigner;
}

/** SigV4 refuses presigned URLs that live longer than seven days. */
const MAX_EXPIRES_IN = 604_800;
const CHECKSUM_HEADER = 'x-amz-checksum-sha256';

export class S3UploadSigner implements DirectUploadSigner {
  private readonly presigner: SigV4Presigner;
  private readonly bucket: string;
  private readonly clock: () => Date;

  constructor(options: S3UploadSignerOptions) {
    this.bucket = options.bucket;
    this.clock = options.clock ?? (() => new Date());
    // Every presign passes its signing date (from this.clock), so the shared presigner's own clock never counts.
    this.presigner = options.presigner ?? presignerFor(options.client);
  }

  async sign(request: DirectUploadRequest): Promise<UploadTarget> {
    const signingDate = this.clock();
    // X-Amz-Date keeps whole seconds: count from there so the URL never outlives the upload.
    const signedAt = Math.floor(signingDate.getTime() / 1000) * 1000;
    const expiresIn = Math.min(MAX_EXPIRES_IN, Math.max(1, Math.floor((request.expiresAt.getTime() - signedAt) / 1000)));
    const checksum = request.checksumSha256;

    // A signed Content-Length makes S3 refuse a body of any other size; the checksum stays a header
    // (not a query parameter) so the browser must send it and S3 checks the bytes against it.
    const signedHeaders: Record<string, string> = { 'content-type': request.contentType, 'content-length': String(request.size) };
    if (checksum) signedHeaders[CHECKSUM_HEADER] = checksum;
    let url: string;
    try {
      url = await this.presigner.presign({ method: 'PUT', bucket: this.bucket, key: request.key, expiresIn, signedHeaders, signingDate });
    } catch (error) {
      // A client the presigner cannot stand in for is a configuration fault, not an outage.
      if (error instanceof DomainError) throw error;
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
 * A URL that binds less than promised must never reach a browser: a presigner that signs other
 * headers, or one that adds a checksum parameter (the SDK's default checksum mode), fails here.
 * Read off the query string directly: parsing the URL cost as much as signing it.
 */
function assertBinding(url: string, withChecksum: boolean): void {
  const query = url.slice(url.indexOf('?'));
  const signed = decodeURIComponent(SIGNED_HEADERS.exec(query)?.[1] ?? '');
  const expected = withChecksum ? EXPECTED_WITH_CHECKSUM : EXPECTED_WITHOUT_CHECKSUM;
  if (signed !== expected || CHECKSUM_PARAMETER.test(query)) {
    throw new DomainError('internal_error', `presigned PUT signs "${signed}" instead of "${expected}"`);
  }
}

const SIGNED_HEADERS = /[?&]X-Amz-SignedHeaders=([^&]*)/;
/** Any x-amz-checksum-* parameter, whatever its case or percent-encoding of the dashes. */
const CHECKSUM_PARAMETER = /[?&]x(?:-|%2D)amz(?:-|%2D)checksum(?:-|%2D)/i;
const EXPECTED_WITHOUT_CHECKSUM = 'content-length;content-type;host';
const EXPECTED_WITH_CHECKSUM = `${EXPECTED_WITHOUT_CHECKSUM};${CHECKSUM_HEADER}`;
