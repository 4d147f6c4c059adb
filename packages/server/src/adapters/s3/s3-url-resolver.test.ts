import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition } from '@direct-upload/core';
import { createS3Client } from './s3-client.js';
import { S3Storage } from './s3-storage.js';
import { S3UrlResolver, defaultPublicBaseUrl } from './s3-url-resolver.js';
import { startS3rver, type S3rverFixture } from './s3rver-fixture.js';
import { describeUrlResolverContract } from '@direct-upload/core/testing';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('defaultPublicBaseUrl', () => {
  it('addresses AWS buckets virtual-hosted, or by path when asked or when the name cannot be a host', () => {
    expect(defaultPublicBaseUrl({ bucket: 'images', region: 'eu-west-3', forcePathStyle: false })).toBe(
      'https://images.s3.eu-west-3.amazonaws.com',
    );
    expect(defaultPublicBaseUrl({ bucket: 'images', region: 'eu-west-3', forcePathStyle: true })).toBe(
      'https://s3.eu-west-3.amazonaws.com/images',
    );
    expect(defaultPublicBaseUrl({ bucket: 'images.example.com', region: 'us-east-1', forcePathStyle: false })).toBe(
      'https://s3.us-east-1.amazonaws.com/images.example.com',
    );
  });

  it('derives the base from a custom endpoint', () => {
    expect(defaultPublicBaseUrl({ bucket: 'images', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true })).toBe(
      'http://127.0.0.1:9000/images',
    );
    expect(defaultPublicBaseUrl({ bucket: 'images', region: 'auto', endpoint: 'https://minio.example.com/', forcePathStyle: true })).toBe(
      'https://minio.example.com/images',
    );
    expect(defaultPublicBaseUrl({ bucket: 'images', region: 'auto', endpoint: 'https://acct.r2.example.com', forcePathStyle: false })).toBe(
      'https://images.acct.r2.example.com',
    );
  });
});

describe('S3UrlResolver.publicUrl', () => {
  const client = createS3Client({ region: 'eu-west-3', forcePathStyle: false, credentials });

  it('joins the base and the key, encoding each segment', () => {
    const resolver = new S3UrlResolver({ client, bucket: 'images', publicBaseUrl: 'https://images.s3.eu-west-3.amazonaws.com' });
    expect(resolver.publicUrl('public/0190a6d2-7c5e-7000')).toBe('https://images.s3.eu-west-3.amazonaws.com/public/0190a6d2-7c5e-7000');
    expect(resolver.publicUrl('public/a b/ü#?&+%/x')).toBe('https://images.s3.eu-west-3.amazonaws.com/public/a%20b/%C3%BC%23%3F%26%2B%25/x');
  });

  it('uses a custom CDN base as given, without doubling its trailing slash', () => {
    const resolver = new S3UrlResolver({ client, bucket: 'images', publicBaseUrl: 'https://cdn.example.com/media/' });
    expect(resolver.publicUrl('public/abc')).toBe('https://cdn.example.com/media/public/abc');
  });
});

describe('S3UrlResolver.signedUrl', () => {
  it('presigns a GET that overrides the served type and disposition and expires as asked', async () => {
    const client = createS3Client({ region: 'eu-west-3', forcePathStyle: false, credentials });
    const resolver = new S3UrlResolver({ client, bucket: 'images', publicBaseUrl: 'https://cdn.example.com' });
    const url = new URL(await resolver.signedUrl('private/abc', { expiresInSeconds: 120, contentType: 'image/webp', filename: 'été "1".webp' }));
    expect(url.host).toBe('images.s3.eu-west-3.amazonaws.com');
    expect(url.pathname).toBe('/private/abc');
    expect(url.searchParams.get('response-content-type')).toBe('image/webp');
    expect(url.searchParams.get('response-content-disposition')).toBe(contentDisposition('inline', 'été "1".webp'));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(url.search.toLowerCase()).not.toContain('x-amz-checksum');
  });

  it('is the URL getSignedUrl gives for the same overrides, byte for byte', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2030-01-02T03:04:05.678Z'));
      const client = createS3Client({ region: 'eu-west-3', forcePathStyle: false, credentials: { ...credentials, sessionToken: 'session+token/==' } });
      const resolver = new S3UrlResolver({ client, bucket: 'images', publicBaseUrl: 'https://cdn.example.com' });
      const key = 'private/a b/ü+(1)';
      const ours = await resolver.signedUrl(key, { expiresInSeconds: 120, contentType: 'image/webp', filename: 'été "1".webp' });
      const command = new GetObjectCommand({
        Bucket: 'images',
        Key: key,
        ResponseContentType: 'image/webp',
        ResponseContentDisposition: contentDisposition('inline', 'été "1".webp'),
      });
      expect(ours).toBe(await getSignedUrl(client, command, { expiresIn: 120 }));
    } finally {
      vi.useRealTimers();
    }
  });

  describe('fetched from s3rver', () => {
    let s3: S3rverFixture;
    let resolver: S3UrlResolver;
    let storage: S3Storage;
    beforeAll(async () => {
      s3 = await startS3rver();
      resolver = new S3UrlResolver({ client: s3.client, bucket: s3.bucket, publicBaseUrl: defaultPublicBaseUrl(s3) });
      storage = new S3Storage({ client: s3.client, bucket: s3.bucket });
    });
    afterAll(() => s3?.close());

    it('returns the bytes with the signed Content-Type and Content-Disposition', async () => {
      const key = `private/${randomUUID()}`;
      const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
      await storage.put(key, bytes, { contentType: 'application/octet-stream', contentDisposition: 'attachment' });

      const response = await fetch(await resolver.signedUrl(key, { expiresInSeconds: 60, contentType: 'image/png', filename: 'cat photo.png' }));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('content-disposition')).toBe(contentDisposition('inline', 'cat photo.png'));
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    });

    it('serves public objects at the derived path-style URL', async () => {
      const key = `public/${randomUUID()}`;
      await storage.put(key, new Uint8Array([1, 2, 3]), { contentType: 'image/gif' });
      const url = resolver.publicUrl(key);
      expect(url).toBe(`${s3.endpoint}/${s3.bucket}/${key}`);
      // s3rver accepts anonymous reads, standing in for a bucket policy that opens the public prefix.
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/gif');
    });
  });
});

describeUrlResolverContract('S3UrlResolver on s3rver', async () => {
  const s3 = await startS3rver();
  const urls = new S3UrlResolver({
    client: s3.client,
    bucket: s3.bucket,
    publicBaseUrl: defaultPublicBaseUrl({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true }),
  });
  // s3rver serves anonymous reads, so privacy is the bucket policy's job on a real store.
  return { urls, storage: new S3Storage({ client: s3.client, bucket: s3.bucket }), enforcesPrivacy: false, close: () => s3.close() };
});
