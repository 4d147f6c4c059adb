import { describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from './s3-client.js';
import { addressFromPresignedUrl, locateThroughClient } from './s3-bucket-locator.js';
import { defaultPublicBaseUrl } from './s3-url-resolver.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('locateThroughClient', () => {
  it('resolves virtual-hosted AWS buckets with the signing region and the operation id', async () => {
    const locate = locateThroughClient(createS3Client({ region: 'eu-west-3', forcePathStyle: false, credentials }));
    expect(await locate('images', 'PUT')).toEqual({
      origin: 'https://images.s3.eu-west-3.amazonaws.com',
      host: 'images.s3.eu-west-3.amazonaws.com',
      pathPrefix: '',
      region: 'eu-west-3',
      service: 's3',
      operationQuery: { 'x-id': 'PutObject' },
    });
    expect((await locate('images', 'GET')).operationQuery).toEqual({ 'x-id': 'GetObject' });
  });

  it('resolves path style and custom endpoints, ports included in the signed host', async () => {
    const local = locateThroughClient(createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials }));
    expect(await local('test-bucket', 'PUT')).toMatchObject({
      origin: 'http://127.0.0.1:9000',
      host: '127.0.0.1:9000',
      pathPrefix: '/test-bucket',
      region: 'us-east-1',
    });
    const gateway = locateThroughClient(createS3Client({ region: 'auto', endpoint: 'https://gw.example.com:8443/s3', forcePathStyle: true, credentials }));
    expect(await gateway('images', 'GET')).toMatchObject({ origin: 'https://gw.example.com:8443', host: 'gw.example.com:8443', pathPrefix: '/s3/images', region: 'auto' });
  });

  it('addresses buckets where defaultPublicBaseUrl says the SDK does', async () => {
    const locations = [
      { bucket: 'images', region: 'eu-west-3', forcePathStyle: false },
      { bucket: 'images', region: 'eu-west-3', forcePathStyle: true },
      { bucket: 'images.example.com', region: 'us-east-1', forcePathStyle: false },
      { bucket: 'images', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
      { bucket: 'images', region: 'auto', endpoint: 'https://acct.r2.example.com', forcePathStyle: false },
    ];
    for (const location of locations) {
      const client = createS3Client({ ...location, credentials });
      const address = await locateThroughClient(client)(location.bucket, 'GET');
      expect(`${address.origin}${address.pathPrefix}`).toBe(defaultPublicBaseUrl(location));
    }
  });

  it("refuses a client whose presigned PUT carries the SDK's empty-body CRC32", async () => {
    const client = new S3Client({ region: 'eu-west-3', credentials, requestChecksumCalculation: 'WHEN_SUPPORTED' });
    await expect(locateThroughClient(client)('images', 'PUT')).rejects.toMatchObject({
      code: 'internal_error',
      message: expect.stringContaining('x-amz-checksum-crc32'),
    });
  });

  it("refuses a client whose presigned GET asks for checksum mode (the SDK's default response validation)", async () => {
    const client = new S3Client({ region: 'eu-west-3', credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await expect(locateThroughClient(client)('images', 'GET')).rejects.toMatchObject({
      code: 'internal_error',
      message: expect.stringContaining('x-amz-checksum-mode'),
    });
  });

  it('passes on a failure to resolve credentials as it is', async () => {
    const failure = new Error('could not load credentials from any providers');
    const client = new S3Client({
      region: 'eu-west-3',
      credentials: () => Promise.reject(failure),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await expect(locateThroughClient(client)('images', 'PUT')).rejects.toBe(failure);
  });
});

describe('addressFromPresignedUrl', () => {
  const sdkLike = (query: string) =>
    `https://images.s3.eu-west-3.amazonaws.com/probe?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKID%2F20300102%2Feu-west-3%2Fs3%2Faws4_request&X-Amz-Date=20300102T030405Z&X-Amz-Expires=60&X-Amz-Signature=00&X-Amz-SignedHeaders=host${query}`;

  it('reads the address of a plain SigV4 URL', () => {
    expect(addressFromPresignedUrl(sdkLike('&x-id=GetObject'), 'probe', 'GET')).toEqual({
      origin: 'https://images.s3.eu-west-3.amazonaws.com',
      host: 'images.s3.eu-west-3.amazonaws.com',
      pathPrefix: '',
      region: 'eu-west-3',
      service: 's3',
      operationQuery: { 'x-id': 'GetObject' },
    });
  });

  it('refuses S3 Express session tokens, SigV4a and URLs for another key', () => {
    const refusals = [
      addressFromPresignedUrl.bind(null, sdkLike('&X-Amz-S3session-Token=abc'), 'probe', 'PUT'),
      addressFromPresignedUrl.bind(null, sdkLike('&X-Amz-Region-Set=*').replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'), 'probe', 'GET'),
      addressFromPresignedUrl.bind(null, sdkLike(''), 'other-key', 'GET'),
    ];
    for (const refusal of refusals) expect(refusal).toThrow(expect.objectContaining({ code: 'internal_error' }));
  });
});
