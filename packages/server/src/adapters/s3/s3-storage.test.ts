import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describeStorageContract } from '@direct-upload/core/testing';
import { createS3Client } from './s3-client.js';
import { S3Storage } from './s3-storage.js';
import { startS3rver, type S3rverFixture } from './s3rver-fixture.js';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const bytes = (text: string) => new TextEncoder().encode(text);

describeStorageContract('S3Storage on s3rver', async () => {
  const s3 = await startS3rver();
  return { storage: new S3Storage({ client: s3.client, bucket: s3.bucket }), close: () => s3.close() };
});

describe('S3Storage headers and keys', () => {
  let s3: S3rverFixture;
  let storage: S3Storage;
  beforeAll(async () => {
    s3 = await startS3rver();
    storage = new S3Storage({ client: s3.client, bucket: s3.bucket });
  });
  afterAll(() => s3?.close());

  const stored = (key: string) => s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));

  it("loses nothing when a folder's last object is deleted while another object arrives in it", async () => {
    // s3rver alone removed the emptied folder under the arriving PUT (see keepS3rverFolders).
    for (let i = 0; i < 40; i++) {
      const folder = `race/${randomUUID()}`;
      await storage.put(`${folder}/a`, bytes('a'), { contentType: 'text/plain' });
      await Promise.all([storage.delete(`${folder}/a`), storage.put(`${folder}/b`, bytes('b'.repeat(100_000)), { contentType: 'text/plain' })]);
      expect(await storage.head(`${folder}/a`)).toBeNull();
      expect(await storage.head(`${folder}/b`)).toMatchObject({ size: 100_000 });
    }
  });

  it('stores Cache-Control and Content-Disposition, and a copy replaces them', async () => {
    const from = `incoming/owner 1/${randomUUID()}`;
    const to = `public/${randomUUID()}`;
    await storage.put(from, bytes('abc'), { contentType: 'image/png', cacheControl: 'private, no-store', contentDisposition: 'attachment' });
    expect(await stored(from)).toMatchObject({ ContentType: 'image/png', CacheControl: 'private, no-store', ContentDisposition: 'attachment' });

    await storage.copy(from, to, { contentType: 'image/webp', cacheControl: 'public, max-age=60', contentDisposition: 'inline; filename="a.webp"' });
    expect(await stored(to)).toMatchObject({
      ContentType: 'image/webp',
      CacheControl: 'public, max-age=60',
      ContentDisposition: 'inline; filename="a.webp"',
    });
  });

  it('copies keys whose segments need URL encoding', async () => {
    // s3rver decodes the copy source with decodeURI, so reserved characters (&, +, ?) cannot be
    // shown here; unencoded, "%41" would name another key and 雪 is no valid header value.
    const from = `incoming/100%41 雪/${randomUUID()}`;
    const to = `public/${randomUUID()}`;
    await storage.put(from, bytes('encoded'), { contentType: 'image/gif' });
    await storage.copy(from, to, { contentType: 'image/gif' });
    expect(Buffer.from((await storage.read(to, { maxBytes: 100 }))!.bytes).toString()).toBe('encoded');
  });

  it('reports a missing copy source as not uploaded', async () => {
    await expect(storage.copy(`incoming/${randomUUID()}`, `public/${randomUUID()}`, { contentType: 'image/png' })).rejects.toMatchObject({
      code: 'not_uploaded',
    });
  });

  it('rethrows the caller’s abort as it is', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    const error = await storage.head('incoming/x', { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(error).not.toHaveProperty('code');
  });

  it('answers service_unavailable for a bucket that does not exist', async () => {
    const other = new S3Storage({ client: s3.client, bucket: 'no-such-bucket' });
    await expect(other.ping()).rejects.toMatchObject({ code: 'service_unavailable' });
  });
});

describe('S3Storage with an endpoint that is down', () => {
  let storage: S3Storage;
  beforeAll(async () => {
    // A port that was just free and is closed again: connections are refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = createS3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials });
    storage = new S3Storage({ client, bucket: 'test-bucket' });
  });

  it('rejects head, read, put, copy, delete and ping with service_unavailable', async () => {
    const unavailable = { code: 'service_unavailable', retryAfterSeconds: 5 };
    await expect(storage.head('incoming/a')).rejects.toMatchObject(unavailable);
    await expect(storage.read('incoming/a', { maxBytes: 10 })).rejects.toMatchObject(unavailable);
    await expect(storage.put('incoming/a', bytes('x'), { contentType: 'image/png' })).rejects.toMatchObject(unavailable);
    await expect(storage.copy('incoming/a', 'public/a', { contentType: 'image/png' })).rejects.toMatchObject(unavailable);
    await expect(storage.delete('incoming/a')).rejects.toMatchObject(unavailable);
    await expect(storage.ping()).rejects.toMatchObject(unavailable);
  });
});

describe('S3Storage reading a body of unknown length', () => {
  // A store that streams GetObject bodies without Content-Length, and never stops on its own.
  let server: Server;
  let storage: S3Storage;
  let sentBeforeClose: Promise<number>;
  beforeAll(async () => {
    let report: (sent: number) => void;
    sentBeforeClose = new Promise((resolve) => (report = resolve));
    server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' });
      const chunk = Buffer.alloc(16 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (!response.destroyed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.once('close', () => report(sent));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = createS3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials });
    storage = new S3Storage({ client, bucket: 'test-bucket' });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up as soon as more than maxBytes arrive and drops the connection', async () => {
    // A body that was read whole stands as its length: a 64 MiB buffer is no message to print.
    const outcome = await storage.read('incoming/endless', { maxBytes: 100_000 }).then((read) => read?.bytes.byteLength, (error: unknown) => error);
    expect(outcome).toMatchObject({ code: 'file_too_large' });
    // The store had far more to send; the read stopped it long before the end.
    expect(await sentBeforeClose).toBeLessThan(64 * 1024 * 1024);
  });
});
