// UrlResolver over S3: public objects by a stable URL (bucket or CDN), private ones by presigned GET.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition, unavailable } from '@direct-upload/core';
import type { SignedUrlOptions, UrlResolver } from '@direct-upload/core';

export interface S3UrlResolverOptions {
  client: S3Client;
  bucket: string;
  /** Base of public object URLs, without a trailing slash (S3_PUBLIC_URL or defaultPublicBaseUrl). */
  publicBaseUrl: string;
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
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly publicBaseUrl: string;

  constructor(options: S3UrlResolverOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  }

  publicUrl(key: string): string {
    return `${this.publicBaseUrl}/${encodeKey(key)}`;
  }

  async signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      // Served with the type we verified and a safe name, whatever the stored headers say.
      ResponseContentType: options.contentType,
      ResponseContentDisposition: contentDisposition('inline', options.filename),
    });
    try {
      return await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
    } catch (error) {
      // Presigning is local; what can fail is resolving credentials from the provider chain.
      throw unavailable('object storage', error);
    }
  }
}

/** A key as a URL path: each segment encoded, the slashes between them kept. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
