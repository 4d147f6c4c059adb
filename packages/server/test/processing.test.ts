// Processing over real HTTP: variants, the content redirect, "still processing" answers, hostile files.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { startServer, type RunningServer } from '../src/start-server.js';
import { useTestServers } from './test-servers.js';
import { Browser, fetchBytes, send } from './http-client.js';
import { EXIF_MAKE, gifBytes, htmlBytes, jpegBytes, jpegWithExif, pngBytes, pngPixelBomb, svgBytes, tiffBytes, truncated } from './fixtures/images.js';

const start = useTestServers('du-processing');

describe('variants and the content redirect', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ VARIANTS: 'thumb=64x64:cover:webp,medium=200x200:inside:jpeg' });
  });

  it('makes the configured variants, served with their type, and lists them on the image', async () => {
    const browser = new Browser(server.url);
    const { complete } = await browser.upload(await pngBytes(400, 300), { contentType: 'image/png', filename: 'wide.png' });
    expect(complete.status).toBe(200);
    const image = complete.body.image;
    expect(image.placeholder).toMatch(/^#[0-9a-f]{6}$/);
    expect(Object.keys(image.variants)).toEqual(['thumb', 'medium']);
    expect(image.variants.thumb).toMatchObject({ width: 64, height: 64, contentType: 'image/webp' });
    expect(image.variants.medium).toMatchObject({ width: 200, height: 150, contentType: 'image/jpeg' });
    for (const variant of Object.values(image.variants) as Array<{ url: string; contentType: string; width: number; height: number; size: number }>) {
      const served = await fetchBytes(variant.url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe(variant.contentType);
      expect(served.bytes.length).toBe(variant.size);
      const meta = await sharp(served.bytes).metadata();
      expect({ width: meta.width, height: meta.height, exif: meta.exif, xmp: meta.xmp, iptc: meta.iptc }).toEqual({
        width: variant.width,
        height: variant.height,
        exif: undefined,
        xmp: undefined,
        iptc: undefined,
      });
    }
    expect((await browser.request('GET', `/api/images/${image.id}`)).body.image).toEqual(image);
  });

  it('never enlarges a small image', async () => {
    const browser = new Browser(server.url);
    const { complete } = await browser.upload(await pngBytes(40, 20), { contentType: 'image/png' });
    expect(complete.body.image.variants.medium).toMatchObject({ width: 40, height: 20 });
  });

  it('redirects /content to the original or a variant; unknown variants and other owners get 404', async () => {
    const browser = new Browser(server.url);
    const { complete } = await browser.upload(await jpegBytes(120, 90), { contentType: 'image/jpeg' });
    const image = complete.body.image;
    const redirect = (query: string, who: Browser = browser) =>
      fetch(new URL(`/api/images/${image.id}/content${query}`, server.url), { redirect: 'manual', headers: { cookie: who.cookieHeader } });
    const original = await redirect('');
    expect(original.status).toBe(302);
    expect(original.headers.get('location')).toBe(image.url);
    const thumb = await redirect('?variant=thumb');
    expect(thumb.status).toBe(302);
    expect(thumb.headers.get('location')).toBe(image.variants.thumb.url);
    expect((await redirect('?variant=huge')).status).toBe(404);
    const stranger = new Browser(server.url);
    await stranger.request('GET', '/api/images');
    expect((await redirect('', stranger)).status).toBe(404);
  });

  it('removes the variants with the image', async () => {
    const browser = new Browser(server.url);
    const { complete } = await browser.upload(await pngBytes(100, 100), { contentType: 'image/png' });
    const image = complete.body.image;
    expect((await browser.request('DELETE', `/api/images/${image.id}`)).status).toBe(204);
    for (const variant of Object.values(image.variants) as Array<{ url: string }>) {
      expect((await fetchBytes(variant.url)).status).toBe(404);
    }
  });
});

describe('hostile files', () => {
  it('rejects each with a clear reason, and processing keeps going', async () => {
    const server = await start({ UPLOAD_MAX_PIXELS: '4000000', UPLOAD_MAX_FRAMES: '5' });
    const browser = new Browser(server.url);
    const cases: Array<[Uint8Array, string, string]> = [
      [await pngPixelBomb(20_000, 20_000), 'image/png', 'image_too_large'],
      [await gifBytes(8, 8, 12), 'image/gif', 'image_too_large'],
      [truncated(await jpegBytes(300, 300)), 'image/jpeg', 'invalid_image'],
      [await tiffBytes(), 'image/jpeg', 'type_mismatch'],
      [svgBytes(), 'image/jpeg', 'type_mismatch'],
      [htmlBytes(), 'image/png', 'type_mismatch'],
    ];
    for (const [bytes, contentType, code] of cases) {
      const { complete } = await browser.upload(bytes, { contentType });
      expect({ status: complete.status, code: complete.body.error?.code }).toEqual({ status: 422, code });
    }
    const { complete } = await browser.upload(await pngBytes(30, 30), { contentType: 'image/png' });
    expect(complete.status).toBe(200);
  });
});

describe('when processing outlasts COMPLETE_WAIT_MS', () => {
  it('answers 202 "processing", then the image on a later call', async () => {
    const server = await start({ COMPLETE_WAIT_MS: '0' });
    const browser = new Browser(server.url);
    const bytes = await jpegBytes(1600, 1200);
    const created = await browser.request('POST', '/api/uploads', { filename: 'big.jpg', contentType: 'image/jpeg', size: bytes.length });
    await send(created.body.target, bytes);
    const first = await browser.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ upload: { id: created.body.upload.id, status: 'processing', expiresAt: created.body.upload.expiresAt } });
    let reply = first;
    for (let i = 0; i < 200 && reply.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 50));
      reply = await browser.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
    }
    expect(reply.status).toBe(200);
    expect(reply.body.image.variants.medium.width).toBe(1280);
  });
});

describe('privacy and orientation', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ VARIANTS: 'thumb=30x30:inside:webp' });
  });

  it('serves a GPS-tagged, rotated JPEG without GPS or camera data, with identical pixels and its orientation', async () => {
    const browser = new Browser(server.url);
    const bytes = await jpegWithExif({ orientation: 6, gps: true, more: true });
    const { complete } = await browser.upload(bytes, { contentType: 'image/jpeg', filename: 'holiday.jpg' });
    expect(complete.status).toBe(200);
    const image = complete.body.image;
    // Shown rotated: the 60x20 stored image is 20x60 on screen.
    expect({ width: image.width, height: image.height }).toEqual({ width: 20, height: 60 });
    const served = (await fetchBytes(image.url)).bytes;
    expect(served.includes(Buffer.from(EXIF_MAKE))).toBe(false);
    const meta = await sharp(served).metadata();
    expect(meta.orientation).toBe(6);
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.comments).toBeUndefined();
    const pixels = (input: Uint8Array) => sharp(input).raw().toBuffer();
    expect((await pixels(served)).equals(await pixels(bytes))).toBe(true);

    const thumb = (await fetchBytes(image.variants.thumb.url)).bytes;
    const thumbMeta = await sharp(thumb).metadata();
    expect({ width: thumbMeta.width, height: thumbMeta.height, exif: thumbMeta.exif }).toEqual({ width: 10, height: 30, exif: undefined });
    // Auto-oriented: red (the stored left half) is now on top.
    const { data } = await sharp(thumb).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]!).toBeGreaterThan(200);
    expect(data[2]!).toBeLessThan(80);
  });

  it('serves an image without metadata byte for byte as uploaded', async () => {
    const browser = new Browser(server.url);
    const bytes = await pngBytes(50, 40);
    const { complete } = await browser.upload(bytes, { contentType: 'image/png' });
    expect((await fetchBytes(complete.body.image.url)).bytes.equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('embedded jobs', () => {
  it('survive a restart: processing left unfinished is taken up by the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'du-restart-jobs-'));
    const env = { DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', PROCESSING_LEASE_SECONDS: '5', COMPLETE_WAIT_MS: '0' };
    try {
      // An instance that takes the completion but dies before processing it (it runs no jobs).
      const first = await startServer({ ...env, WORKERS: '0', SWEEP_INTERVAL_SECONDS: '0' });
      const browser = new Browser(first.url);
      const bytes = await pngBytes(64, 64);
      const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: bytes.length });
      await send(created.body.target, bytes);
      expect((await browser.request('POST', `/api/uploads/${created.body.upload.id}/complete`)).status).toBe(202);
      await first.close();

      const second = await startServer({ ...env, WORKERS: '1', SWEEP_INTERVAL_SECONDS: '1' });
      try {
        const again = browser.moveTo(second.url);
        let reply = await again.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
        for (let i = 0; i < 150 && reply.status === 202; i++) {
          await new Promise((r) => setTimeout(r, 100));
          reply = await again.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
        }
        expect(reply.status).toBe(200);
        expect(Object.keys(reply.body.image.variants)).toEqual(['thumb', 'medium']);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
