// UrlResolver over S3: public objects by a stable URL (bucket or CDN), private ones by presigned GET.
import type { S3Client } from '@aws-sdk/client-s3';
import { DomainError, contentDisposition, unavailable } from '@direct-upload/core';
import type { SignedUrlOptions, UrlResolver } from '@direct-upload/core';
import { presignerFor } from './s3-bucket-locator.js';
import type { SigV4Presigner } from './sigv4-presigner.js';

export interface S3UrlResolverOptions {
  client: S3Client;
  bucket: string;
  /** Base of public object URLs, without a trailing slash (S3_PUBLIC_URL or defaultPublicBaseUrl). */
  publicBaseUrl: string;
  /** Shared with the client's other S3 adapters (see presignerFor); one of its own when absent. */
  presigner?: SigV4Presigner;
}

export interface BucketLocation {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

/** Names that can be a TLS host label: no dots (they break the bucket wildcard certificate), no capitals. */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** Where the bucket itself serves its objects, as the SDK addresses it. */
export function defaultPublicBaseUrl(location: BucketLocation): string {
  const { bucket, region, endpoint, forcePathStyle } = location;
  const virtual = !forcePathStyle && VIRTUAL_HOSTABLE.test(bucket);
  if (endpoint) {
    const base = new URL(endpoint);
    const path = base.pathname.replace(/\/+$/, '');
    if (!virtual) return `${base.protocol}//${base.host}${path}/${bucket}`;
    return `${base.protocol}//${bucket}.${base.host}${path}`;
  }
  return virtual ? `https://${bucket}.s3.${region}.amazonaws.com` : `https://s3.${region}.amazonaws.com/${bucket}`;
}

export class S3UrlResolver implements UrlResolver {
  private readonly presigner: SigV4Presigner;
  private readonly bucket: string;
  private readonly publicBaseUrl: string;

  constructor(options: S3UrlResolverOptions) {
    this.presigner = options.presigner ?? presignerFor(options.client);
    this.bucket = options.bucket;
    this.publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  }

  publicUrl(key: string): string {
    return `${this.publicBaseUrl}/${encodeKey(key)}`;
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    try {
      return await this.presigner.presign({
        method: 'GET',
        bucket: this.bucket,
        key,
        expiresIn: options.expiresInSeconds,
        // Served with the type we verified and a safe name, whatever the stored headers say.
        query: {
          'response-content-type': options.contentType,
          'response-content-disposition': contentDisposition('inline', options.filename),
        },
      });
    } catch (error) {
      // A client the presigner cannot stand in for is a configuration fault, not an outage.
      if (error instanceof DomainError) throw error;
      // Presigning is local; what can fail is resolving credentials from the provider chain.
      throw unavailable('object storage', error);
    }
  }
}

/** A key as a URL path: each segment encoded, the slashes between them kept. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
