import { describe, expect, it } from 'vitest';
import { S3UploadSigner } from '../adapters/s3/s3-upload-signer.js';
import { createS3Client } from '../adapters/s3/s3-client.js';
import { loadConfig } from '../config/config.js';
import { BROWSER_PUT_HEADERS, bucketSettingsFromConfig, buildBucketDocuments, type BucketSettings } from './bucket-documents.js';

const settings: BucketSettings = {
  bucket: 'uploads',
  corsOrigins: ['https://app.example.com', 'https://admin.example.com'],
  defaultVisibility: 'public',
  publicPrefix: 'public/',
  incomingPrefix: 'incoming/',
};

describe('buildBucketDocuments', () => {
  it('builds the exact documents for a public bucket with two origins', () => {
    const documents = buildBucketDocuments(settings);
    expect(documents.cors).toEqual({
      CORSRules: [
        {
          ID: 'direct-upload-browser-uploads',
          AllowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
          AllowedMethods: ['PUT', 'GET', 'HEAD'],
          AllowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
          ExposeHeaders: ['ETag'],
          MaxAgeSeconds: 600,
        },
      ],
    });
    expect(documents.lifecycle).toEqual({
      Rules: [
        { ID: 'direct-upload-expire-incoming', Status: 'Enabled', Filter: { Prefix: 'incoming/' }, Expiration: { Days: 1 } },
        {
          ID: 'direct-upload-abort-incomplete-multipart',
          Status: 'Enabled',
          Filter: { Prefix: 'incoming/' },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        },
      ],
    });
    expect(documents.policy).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"DirectUploadPublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::uploads/public/*"}]}',
    );
    expect(documents.iam.server).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DirectUploadObjects',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
          Resource: 'arn:aws:s3:::uploads/*',
        },
        { Sid: 'DirectUploadHeadBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::uploads' },
      ],
    });
    expect(documents.iam.setup).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DirectUploadSetupBucket',
          Effect: 'Allow',
          Action: [
            's3:GetBucketCORS',
            's3:PutBucketCORS',
            's3:GetLifecycleConfiguration',
            's3:PutLifecycleConfiguration',
            's3:GetBucketPolicy',
            's3:PutBucketPolicy',
          ],
          Resource: 'arn:aws:s3:::uploads',
        },
      ],
    });
  });

  it('writes no bucket policy, and asks for no policy permissions, when uploads are private by default', () => {
    const documents = buildBucketDocuments({ ...settings, defaultVisibility: 'private' });
    expect(documents.policy).toBeNull();
    expect(JSON.stringify(documents.iam)).not.toContain('BucketPolicy');
    expect(documents.cors).not.toBeNull();
  });

  it('writes no CORS configuration without origins', () => {
    expect(buildBucketDocuments({ ...settings, corsOrigins: null }).cors).toBeNull();
    expect(buildBucketDocuments({ ...settings, corsOrigins: [] }).cors).toBeNull();
  });

  it('allows exactly the headers the S3 signer tells the browser to send', async () => {
    const signer = new S3UploadSigner({
      client: createS3Client({ region: 'us-east-1', forcePathStyle: false, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }),
      bucket: 'uploads',
    });
    const target = await signer.sign({
      uploadId: 'u1',
      key: 'incoming/owner/id',
      contentType: 'image/png',
      size: 3,
      checksumSha256: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=',
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect(Object.keys(target.headers).sort()).toEqual([...BROWSER_PUT_HEADERS].sort());
  });
});

describe('bucketSettingsFromConfig', () => {
  it('reads bucket, origins and visibility from an S3 configuration', () => {
    const config = loadConfig({ S3_BUCKET: 'uploads', CORS_ORIGINS: 'https://app.example.com', DEFAULT_VISIBILITY: 'private' });
    expect(bucketSettingsFromConfig(config)).toEqual({
      bucket: 'uploads',
      corsOrigins: ['https://app.example.com'],
      defaultVisibility: 'private',
      publicPrefix: 'public/',
      incomingPrefix: 'incoming/',
    });
  });

  it('has nothing to set up for the disk store', () => {
    expect(bucketSettingsFromConfig(loadConfig({}))).toBeNull();
  });
});
