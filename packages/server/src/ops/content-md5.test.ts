import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutBucketCorsCommand, PutBucketLifecycleConfigurationCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../adapters/s3/s3-client.js';
import { withContentMd5 } from './content-md5.js';

interface Captured {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Stands in for a store: records each request and answers 200. */
let server: Server;
let client: S3Client;
let captured: Captured[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      captured.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = createS3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
  });
});

afterAll(async () => {
  client?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

const checksumHeaders = (headers: IncomingHttpHeaders) => Object.keys(headers).filter((name) => /^x-amz-(sdk-)?checksum-/.test(name));
const md5 = (body: Buffer) => createHash('md5').update(body).digest('base64');

const commands = () => [
  new PutBucketCorsCommand({ Bucket: 'b', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://a.example'], AllowedMethods: ['PUT'] }] } }),
  new PutBucketLifecycleConfigurationCommand({
    Bucket: 'b',
    LifecycleConfiguration: { Rules: [{ ID: 'r', Status: 'Enabled', Filter: { Prefix: 'incoming/' }, Expiration: { Days: 1 } }] },
  }),
  new PutBucketPolicyCommand({ Bucket: 'b', Policy: '{"Version":"2012-10-17","Statement":[]}' }),
];

describe('withContentMd5', () => {
  it('is needed: the SDK sends CRC32 checksum headers with bucket configuration writes', async () => {
    captured = [];
    for (const command of commands()) await client.send(command as PutBucketCorsCommand);
    for (const request of captured) {
      expect(checksumHeaders(request.headers)).not.toEqual([]);
      expect(request.headers['content-md5']).toBeUndefined();
    }
  });

  it('replaces them with the Content-MD5 of the body, and the signature covers it', async () => {
    captured = [];
    for (const command of commands()) await client.send(withContentMd5(command) as PutBucketCorsCommand);
    expect(captured.map((request) => request.url)).toEqual(['/b/?cors=', '/b/?lifecycle=', '/b/?policy=']);
    for (const request of captured) {
      expect(checksumHeaders(request.headers)).toEqual([]);
      expect(request.headers['content-md5']).toBe(md5(request.body));
      expect(request.headers.authorization).toMatch(/SignedHeaders=[^,]*content-md5/);
    }
  });
});
