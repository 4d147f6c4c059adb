// The SDK against the real server in-process: disk and S3 (s3rver) back ends, cookie and bearer sessions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/src/start-server.js';
import { s3rverEnv, startS3rver, type S3rverFixture } from '../../server/src/adapters/s3/s3rver-fixture.js';
import { sleep } from '../src/backoff.js';
import { contentUrl, createUploader, fetchTransport, isUploadError, type Transport, type UploaderOptions } from '../src/index.js';
import { networkError } from '../src/upload-error.js';
import { cookieFetch } from './support/cookie-fetch.js';
import { jpegFile, pngFile } from './support/images.js';
import { recordStatuses } from './support/wait-for-state.js';

interface Backend {
  name: string;
  setup?: () => Promise<Record<string, string>>;
  teardown?: () => Promise<void>;
}

let s3: S3rverFixture | undefined;
const backends: Backend[] = [
  { name: 'disk' },
  {
    name: 's3 (s3rver)',
    setup: async () => {
      s3 = await startS3rver();
      return { ...s3rverEnv(s3), S3_REGION: s3.region };
    },
    teardown: async () => s3?.close(),
  },
];

type Running = Awaited<ReturnType<typeof startServer>>;

async function bytesOf(blob: Blob) {
  return Buffer.from(await blob.arrayBuffer());
}

/** A fetch that remembers which API calls were made, on top of a cookie jar. */
function loggingFetch(inner: typeof fetch) {
  const calls: string[] = [];
  const wrapped: typeof fetch = (input, init) => {
    calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return inner(input, init);
  };
  return { fetch: wrapped, calls };
}

for (const backend of backends) {
  describe(`SDK against the real server (${backend.name})`, () => {
    let dir: string;
    let extraEnv: Record<string, string> = {};
    const servers: Running[] = [];

    async function serve(env: Record<string, string> = {}): Promise<Running> {
      const server = await startServer({
        DATA_DIR: await mkdtemp(join(dir, 'data-')),
        PORT: '0',
        LOG_LEVEL: 'silent',
        SWEEP_INTERVAL_SECONDS: '0',
        ...extraEnv,
        ...env,
      });
      servers.push(server);
      return server;
    }

    function uploaderFor(server: Running, options: UploaderOptions = {}) {
      const jar = cookieFetch();
      const log = loggingFetch(jar.fetch);
      // Short real waits: retries come quickly, and polls while the server processes do not spin.
      const quick = (ms: number, signal?: AbortSignal) => sleep(Math.min(ms, 20), signal);
      const uploader = createUploader({ endpoint: server.url, fetch: log.fetch, transport: fetchTransport(), sleep: quick, ...options });
      return { uploader, jar, calls: log.calls };
    }

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'du-client-'));
      extraEnv = (await backend.setup?.()) ?? {};
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
      await backend.teardown?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('uploads several files at once in one anonymous session, lists them, serves the same bytes and deletes', async () => {
      const server = await serve();
      const { uploader, jar } = uploaderFor(server, { concurrency: 2 });
      const files = [await pngFile('one.png'), await jpegFile('two.jpg'), await pngFile('three.png', 50, 50), await pngFile('four.png', 8, 8)];
      const images = await Promise.all(files.map((file) => uploader.upload(file)));

      expect(images.map((i) => i.filename)).toEqual(['one.png', 'two.jpg', 'three.png', 'four.png']);
      expect(uploader.getState().items.map((i) => i.status)).toEqual(['done', 'done', 'done', 'done']);
      expect(jar.cookies.has('du_session')).toBe(true);
      for (const [index, image] of images.entries()) {
        const served = await fetch(image.url);
        expect(served.status).toBe(200);
        expect(Buffer.from(await served.arrayBuffer()).equals(await bytesOf(files[index]!))).toBe(true);
      }

      // All four belong to the one session: the list shows them, newest first.
      const listed = await uploader.api.listImages({ limit: 10 });
      expect(listed.images.map((i) => i.id).sort()).toEqual(images.map((i) => i.id).sort());
      await uploader.api.deleteImage(images[0]!.id);
      const after = await uploader.api.listImages();
      expect(after.images.map((i) => i.id)).not.toContain(images[0]!.id);
      expect(after.images).toHaveLength(3);

      // Another browser (no cookie) sees none of them.
      const stranger = uploaderFor(server);
      expect((await stranger.uploader.api.listImages()).images).toEqual([]);
    });

    it('waits while the server processes in the background, then gets the variants; contentUrl redirects to them', async () => {
      // With no wait on the server's side, `complete` answers "processing" until the image is ready.
      const server = await serve({ COMPLETE_WAIT_MS: '0' });
      const { uploader, jar } = uploaderFor(server);
      const history = recordStatuses(uploader);
      const image = await uploader.upload(await pngFile('wide.png', 600, 300));

      // Processing is nearly always seen here, but a fast server may be done before the first answer.
      const path = ['queued', 'hashing', 'uploading', 'verifying'];
      expect([[...path, 'done'], [...path, 'processing', 'done']]).toContainEqual(history.get(uploader.getState().items[0]!.id));
      const thumb = image.variants.thumb!;
      expect(thumb).toMatchObject({ contentType: 'image/webp' });
      expect(typeof image.placeholder).toBe('string');
      const served = await fetch(thumb.url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/webp');

      const redirect = await jar.fetch(contentUrl(server.url, image.id, 'thumb'), { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      expect(new URL(redirect.headers.get('location')!, server.url).pathname).toBe(new URL(thumb.url, server.url).pathname);
      const original = await jar.fetch(contentUrl(server.url, image.id), { redirect: 'manual' });
      expect(new URL(original.headers.get('location')!, server.url).pathname).toBe(new URL(image.url, server.url).pathname);
    });

    it("refuses a type outside the server's list before asking for an upload", async () => {
      const server = await serve({ UPLOAD_ALLOWED_TYPES: 'image/png' });
      const { uploader, calls } = uploaderFor(server);
      const error = await uploader.upload(await jpegFile('photo.jpg')).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unsupported_type', message: 'photo.jpg: this file type is not allowed' });
      expect(calls).toEqual(['GET /api/config']);
    });

    it('refuses a file over the limit before asking for an upload', async () => {
      const server = await serve({ UPLOAD_MAX_BYTES: '1000' });
      const { uploader, calls } = uploaderFor(server);
      const big = await pngFile('big.png', 200, 200, { r: 1, g: 2, b: 3 });
      const noisy = new File([await bytesOf(big), new Uint8Array(2000)], 'big.png', { type: 'image/png' });
      await expect(uploader.upload(noisy)).rejects.toMatchObject({ code: 'file_too_large', message: 'big.png is too large (max 1000 bytes)' });
      expect(calls).toEqual(['GET /api/config']);
    });

    it('gets a fresh upload when the signed URL has expired, and finishes', async () => {
      const server = await serve({ UPLOAD_URL_TTL_SECONDS: '1' });
      let first = true;
      const inner = fetchTransport();
      // The first transfer sets off only once its URL is past its expiry.
      const lateOnce: Transport = async (request) => {
        if (first) {
          first = false;
          await new Promise((resolve) => setTimeout(resolve, 2500));
        }
        return inner(request);
      };
      const { uploader, calls } = uploaderFor(server, { transport: lateOnce });
      const file = await pngFile('late.png');
      const image = await uploader.upload(file);
      expect(calls.filter((c) => c === 'POST /api/uploads')).toHaveLength(2);
      expect(Buffer.from(await (await fetch(image.url)).arrayBuffer()).equals(await bytesOf(file))).toBe(true);
    });

    it('goes on to complete when a retried transfer finds the bytes already there', async () => {
      const server = await serve();
      const inner = fetchTransport();
      let lost = 0;
      // The first answer is lost on the way back: the bytes arrived, the client only sees a failure.
      const loseFirstAnswer: Transport = async (request) => {
        const response = await inner(request);
        if (lost === 0) {
          lost += 1;
          expect(response.status).toBe(200);
          throw networkError();
        }
        return response;
      };
      const { uploader } = uploaderFor(server, { transport: loseFirstAnswer });
      const image = await uploader.upload(await pngFile('twice.png'));
      expect(image.status).toBe('ready');
      expect(lost).toBe(1);
    });

    it('cancels an upload in flight', async () => {
      const server = await serve();
      const inner = fetchTransport();
      let started!: () => void;
      const transferStarted = new Promise<void>((resolve) => (started = resolve));
      // Holds the transfer until the test cancels it, then sends it with the (aborted) signal.
      const waitForCancel: Transport = async (request) => {
        started();
        await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
        return inner(request);
      };
      const { uploader } = uploaderFor(server, { transport: waitForCancel });
      const pending = uploader.upload(await pngFile('never.png'));
      await transferStarted;
      uploader.cancel(uploader.getState().items[0]!.id);
      const error = await pending.catch((e: unknown) => e);
      expect(isUploadError(error, 'aborted')).toBe(true);
      expect(uploader.getState().items[0]!.status).toBe('cancelled');
      expect((await uploader.api.listImages()).images).toEqual([]);
    });
  });
}

describe('SDK against the real server with bearer tokens', () => {
  const secret = 'a-test-secret-that-is-long-enough-for-hs256';
  let dir: string;
  let server: Running;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'du-client-jwt-'));
    server = await startServer({ DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_SECONDS: '0', AUTH_MODE: 'jwt', AUTH_JWT_SECRET: secret });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const token = (sub: string) =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(secret));

  it('sends a fresh token from getHeaders on every API call', async () => {
    let asked = 0;
    const uploader = createUploader({
      endpoint: server.url,
      transport: fetchTransport(),
      getHeaders: async () => {
        asked += 1;
        return { authorization: `Bearer ${await token('alice')}` };
      },
    });
    const image = await uploader.upload(await pngFile('alice.png'));
    expect(asked).toBeGreaterThanOrEqual(3);
    expect((await uploader.api.listImages()).images.map((i) => i.id)).toEqual([image.id]);
  });

  it('shows a missing token as not signed in, without retrying', async () => {
    const uploader = createUploader({ endpoint: server.url, transport: fetchTransport() });
    await expect(uploader.upload(await pngFile('nobody.png'))).rejects.toMatchObject({
      code: 'unauthorized',
      status: 401,
      message: 'nobody.png could not be uploaded: you are not signed in',
    });
  });
});
