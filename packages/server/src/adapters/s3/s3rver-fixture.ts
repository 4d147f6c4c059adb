// Test helper: an in-process s3rver on 127.0.0.1 with one bucket, and a client pointed at it.
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, type AwsCredentialIdentity } from './s3-client.js';

/** The slice of s3rver 3.x used here; the package ships no type declarations. */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string; configs?: string[] }>;
}) => S3rverInstance;

/** What a browser on any origin needs to PUT, GET and HEAD objects and read their ETag. */
export const BROWSER_CORS_XML = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export interface S3rverFixtureOptions {
  /** A CORSConfiguration document for the bucket (e.g. BROWSER_CORS_XML); none when absent. */
  cors?: string;
  bucket?: string;
}

export interface S3rverFixture {
  /** e.g. http://127.0.0.1:PORT (path-style addressing). */
  endpoint: string;
  bucket: string;
  region: string;
  /** s3rver checks only that the access key id is its own. */
  credentials: AwsCredentialIdentity;
  forcePathStyle: true;
  /** A client for this server, made by createS3Client as the application makes its own. */
  client: S3Client;
  close(): Promise<void>;
}

interface FilesystemStorePrototype {
  getResourcePath(bucket: string, key: string, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
}

/**
 * s3rver removes a folder as soon as the last object in it is deleted; a PUT that has just created
 * that folder then fails to open its file, and the error, emitted on a stream nobody listens to,
 * ends the test process as an uncaught exception (seen when one upload's quarantine object is
 * deleted while another upload of the same owner arrives). S3 has no folders, so keeping them
 * changes nothing a client can see. Applied once per process, before any s3rver starts.
 */
export function keepS3rverFolders(): void {
  const require = createRequire(import.meta.url);
  const store = (require('s3rver/lib/stores/filesystem.js') as { prototype: FilesystemStorePrototype }).prototype;
  store.deleteObject = async function deleteObject(this: FilesystemStorePrototype, bucket: string, key: string) {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        unlink(this.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  };
}

export async function startS3rver(options: S3rverFixtureOptions = {}): Promise<S3rverFixture> {
  keepS3rverFolders();
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const bucket = options.bucket ?? 'test-bucket';
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, ...(options.cors ? { configs: [options.cors] } : {}) }],
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = createS3Client({ region, endpoint, forcePathStyle: true, credentials });
  return {
    endpoint,
    bucket,
    region,
    credentials,
    forcePathStyle: true,
    client,
    async close() {
      client.destroy();
      // Keep-alive sockets (the SDK's, fetch's) would otherwise hold close() open.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The server's environment for storing on this test server (path style, its fixed credentials). */
export function s3rverEnv(fixture: S3rverFixture): Record<string, string> {
  return {
    STORAGE: 's3',
    S3_BUCKET: fixture.bucket,
    S3_ENDPOINT: fixture.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: fixture.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fixture.credentials.secretAccessKey,
  };
}
