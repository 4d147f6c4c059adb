// The whole flow over real HTTP (create -> direct PUT -> complete -> serve -> list -> delete), on both back ends.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/start-server.js';
import { s3rverEnv, startS3rver, type S3rverFixture } from '../src/adapters/s3/s3rver-fixture.js';
import { Browser, fetchBytes, send } from './http-client.js';
import { gifBytes, jpegBytes, pngBytes, webpBytes } from './fixtures/images.js';

interface Backend {
  name: string;
  env: () => Record<string, string>;
  /** Whether the store itself refuses unsigned reads (s3rver serves anyone). */
  enforcesReadAccess: boolean;
  /** Whether an object exists at the key a signed upload URL points to. */
  uploadedObjectExists: (targetUrl: string, dataDir: string) => Promise<boolean>;
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
}

let s3: S3rverFixture | undefined;
const backends: Backend[] = [
  {
    name: 'disk',
    env: () => ({}),
    enforcesReadAccess: true,
    uploadedObjectExists: async (url, dataDir) =>
      existsSync(join(dataDir, 'objects', decodeURIComponent(new URL(url).pathname.replace('/storage/upload/', '')))),
  },
  {
    name: 's3 (s3rver)',
    enforcesReadAccess: false,
    uploadedObjectExists: async (url) => {
      const key = decodeURIComponent(new URL(url).pathname).replace(`/${s3!.bucket}/`, '');
      return s3!.client.send(new HeadObjectCommand({ Bucket: s3!.bucket, Key: key })).then(
        () => true,
        () => false,
      );
    },
    setup: async () => {
      s3 = await startS3rver();
    },
    teardown: async () => s3?.close(),
    // The keys go in the server's environment only: nothing in process.env.
    env: () => ({ ...s3rverEnv(s3!), S3_REGION: 'us-east-1' }),
  },
];

for (const backend of backends) {
  describe(`upload flow on ${backend.name}`, () => {
    let server: RunningServer;
    let dir: string;
    beforeAll(async () => {
      await backend.setup?.();
      dir = await mkdtemp(join(tmpdir(), 'du-flow-'));
      server = await startServer({ DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_SECONDS: '0', ...backend.env() });
    });
    afterAll(async () => {
      await server?.close();
      await backend.teardown?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('uploads every accepted type, serves the same bytes, lists, gets and deletes', async () => {
      const browser = new Browser(server.url);
      const files: Array<[Uint8Array, string]> = [
        [await pngBytes(64, 48), 'image/png'],
        [await jpegBytes(50, 40), 'image/jpeg'],
        [await webpBytes(30, 20), 'image/webp'],
        [await gifBytes(16, 16), 'image/gif'],
      ];
      const images = [];
      for (const [bytes, contentType] of files) {
        const { put, complete } = await browser.upload(bytes, { contentType, filename: `file.${contentType.split('/')[1]}`, checksum: true });
        expect(put.status).toBeLessThan(300);
        expect(complete.status, JSON.stringify(complete.body)).toBe(200);
        const image = complete.body.image;
        expect(image).toMatchObject({ status: 'ready', contentType, size: bytes.length, visibility: 'public' });
        const served = await fetchBytes(image.url);
        expect(served.status).toBe(200);
        expect(served.bytes.equals(Buffer.from(bytes))).toBe(true);
        expect(served.headers.get('content-type')).toBe(contentType);
        images.push(image);
      }

      const listed = await browser.request('GET', '/api/images?limit=3');
      expect(listed.body.images.map((i: any) => i.id)).toEqual(images.slice(1).reverse().map((i) => i.id));
      const rest = await browser.request('GET', `/api/images?limit=3&cursor=${listed.body.nextCursor}`);
      expect(rest.body).toEqual({ images: [images[0]], nextCursor: null });
      expect((await browser.request('GET', `/api/images/${images[2].id}`)).body.image).toEqual(images[2]);

      const gone = images[0];
      expect((await browser.request('DELETE', `/api/images/${gone.id}`)).status).toBe(204);
      expect((await browser.request('GET', `/api/images/${gone.id}`)).status).toBe(404);
      expect((await fetchBytes(gone.url)).status).toBeGreaterThanOrEqual(400);
      expect((await browser.request('DELETE', `/api/images/${gone.id}`)).status).toBe(404);
    });

    it('serves private images only through fresh signed URLs', async () => {
      const browser = new Browser(server.url);
      const bytes = await jpegBytes(20, 20);
      const { complete } = await browser.upload(bytes, { contentType: 'image/jpeg', visibility: 'private' });
      expect(complete.status).toBe(200);
      const image = complete.body.image;
      expect(image.visibility).toBe('private');
      const served = await fetchBytes(image.url);
      expect(served.status).toBe(200);
      expect(served.bytes.equals(Buffer.from(bytes))).toBe(true);
      const unsigned = image.url.split('?')[0];
      expect(unsigned).toContain(`private/${image.id}`);
      if (backend.enforcesReadAccess) expect((await fetchBytes(unsigned)).status).toBe(403);
    });

    it('removes the quarantined object after promotion, so the upload URL cannot be replayed into it', async () => {
      const browser = new Browser(server.url);
      const bytes = await pngBytes(8, 8);
      const { created, complete } = await browser.upload(bytes, { contentType: 'image/png' });
      expect(complete.status).toBe(200);
      await expectQuarantineEmptied(backend, created.body.target.url, dir);
      // A replay may store bytes again in quarantine (S3 allows any PUT until expiry), but the
      // promoted image never changes.
      const replay = await send(created.body.target, bytes);
      if (backend.name === 'disk') expect(replay.status).toBe(409);
      const served = await fetchBytes(complete.body.image.url);
      expect(served.bytes.equals(Buffer.from(bytes))).toBe(true);
    });

    it('keeps the bytes in quarantine until complete promotes them', async () => {
      const browser = new Browser(server.url);
      const bytes = await pngBytes(6, 6);
      const created = await browser.request('POST', '/api/uploads', { filename: 'q.png', contentType: 'image/png', size: bytes.length });
      expect((await send(created.body.target, bytes)).status).toBeLessThan(300);
      expect(await backend.uploadedObjectExists(created.body.target.url, dir)).toBe(true);
      expect(created.body.target.url).toContain('/incoming/');
      const complete = await browser.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
      expect(complete.status).toBe(200);
      expect(complete.body.image.url).toContain(`/public/${created.body.upload.id}`);
      await expectQuarantineEmptied(backend, created.body.target.url, dir);
    });

    it('reports the caller\'s images only', async () => {
      const alice = new Browser(server.url);
      const bob = new Browser(server.url);
      await alice.upload(await pngBytes(4, 4), { contentType: 'image/png' });
      const bobs = (await bob.request('GET', '/api/images')).body.images;
      expect(bobs).toEqual([]);
    });
  });
}

/**
 * The worker deletes the quarantined object right after it records the image ready (never before:
 * a retry that took over the job still needs those bytes), so `complete` may answer a moment first.
 */
async function expectQuarantineEmptied(backend: Backend, targetUrl: string, dataDir: string): Promise<void> {
  await vi.waitFor(async () => expect(await backend.uploadedObjectExists(targetUrl, dataDir)).toBe(false), { timeout: 5000, interval: 20 });
}
