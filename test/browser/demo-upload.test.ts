// The demo page in headless Chromium against the real server, on the disk and the S3 (s3rver) back ends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, FileChooser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../packages/server/src/start-server.js';
import { startS3rver, type S3rverFixture } from '../../packages/server/src/adapters/s3/s3rver-fixture.js';
import { launchChromium } from './support/chromium.js';
import { ensureDemoBuilt } from './support/demo-build.js';
import { freePort } from './support/free-port.js';
import { noisyPng, singlePng, smallImages, type TestFile } from './support/images.js';
import { recordProgress } from './support/progress-recorder.js';

type Running = Awaited<ReturnType<typeof startServer>>;

interface Backend {
  name: string;
  /** Environment for the server whose page will be served from `origin`. */
  setup(origin: string): Promise<Record<string, string>>;
  teardown(): Promise<void>;
  /** Where the browser must send the bytes. */
  transferOrigin(serverOrigin: string): string;
}

let s3: S3rverFixture | undefined;

/** Only the page's own origin may send bytes to the bucket from a browser. */
const corsFor = (origin: string) => `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>${origin}</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

const backends: Backend[] = [
  { name: 'disk', setup: async () => ({}), teardown: async () => undefined, transferOrigin: (origin) => origin },
  {
    name: 's3 (s3rver)',
    async setup(origin) {
      s3 = await startS3rver({ cors: corsFor(origin) });
      process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
      return { STORAGE: 's3', S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: s3.region };
    },
    teardown: async () => s3?.close(),
    transferOrigin: () => s3!.endpoint,
  },
];

let browser: Browser;
let small: TestFile[];
let tmp: string;

beforeAll(async () => {
  await ensureDemoBuilt();
  browser = await launchChromium();
  small = await smallImages();
  tmp = await mkdtemp(join(tmpdir(), 'du-browser-'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The gallery as the page shows it: alt text, shown URL, the link around it and whether the picture loaded. */
function gallery(page: Page) {
  return page
    .getByRole('list', { name: 'Your images' })
    .getByRole('img')
    .evaluateAll((imgs) =>
      (imgs as HTMLImageElement[]).map((img) => ({
        alt: img.alt,
        src: img.src,
        href: img.closest('a')?.href ?? '',
        loaded: img.complete && img.naturalWidth > 0,
      })),
    );
}

const galleryNames = async (page: Page) => (await gallery(page)).map((i) => i.alt).sort();

function row(page: Page, name: string) {
  return page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: name });
}

const statusOf = (page: Page, name: string) => row(page, name).locator('.du-upload__status').textContent();

const progressSeen = (page: Page) => page.evaluate(() => window.__progress ?? {});

/** Hands files to the page the way a drag-and-drop or a clipboard paste does. */
async function deliver(page: Page, files: TestFile[], how: 'drop' | 'paste') {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, base64: f.buffer.toString('base64') }));
  await page.evaluate(
    ({ payload, how }) => {
      const transfer = new DataTransfer();
      for (const f of payload) transfer.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      if (how === 'paste') {
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
        return;
      }
      const zone = document.querySelector('.du-upload')!;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    },
    { payload, how },
  );
}

for (const backend of backends) {
  describe(`demo page in Chromium (${backend.name})`, { timeout: 60_000 }, () => {
    let server: Running;
    let context: BrowserContext;
    let page: Page;
    const requests: { method: string; url: URL }[] = [];
    const failed: { method: string; url: URL; error: string }[] = [];
    const choosers: FileChooser[] = [];
    const apiCalls = (method: string, pattern: RegExp) => requests.filter((r) => r.method === method && pattern.test(r.url.pathname)).length;

    beforeAll(async () => {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const env = await backend.setup(origin);
      server = await startServer({
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: await mkdtemp(join(tmp, 'data-')),
        LOG_LEVEL: 'silent',
        SWEEP_INTERVAL_SECONDS: '0',
        ...env,
      });
      expect(server.url).toBe(origin);
      context = await browser.newContext();
      await context.addInitScript(recordProgress);
      page = await context.newPage();
      page.on('request', (request) => requests.push({ method: request.method(), url: new URL(request.url()) }));
      // Listening from the start: interception is then surely on before any key opens a picker.
      page.on('filechooser', (chooser) => choosers.push(chooser));
      page.on('requestfailed', (request) =>
        failed.push({ method: request.method(), url: new URL(request.url()), error: request.failure()?.errorText ?? '' }),
      );
      await page.goto(server.url);
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      await server?.close();
      await backend.teardown();
    });

    it('starts with an empty gallery and a labelled file input', async () => {
      await page.getByText('No images yet.').waitFor();
      const input = page.getByLabel('Choose images');
      expect(await input.getAttribute('type')).toBe('file');
      expect(await input.getAttribute('multiple')).not.toBeNull();
    });

    it('uploads several picked files with progress; the gallery shows them with the same bytes', async () => {
      await page.getByLabel('Choose images').setInputFiles(small);
      await expect.poll(() => galleryNames(page), { timeout: 30_000 }).toEqual(['blue.webp', 'green.jpg', 'red.png']);
      // The gallery can list an image (made ready by the worker) a moment before its row hears back from complete.
      for (const file of small) await expect.poll(() => statusOf(page, file.name), { timeout: 30_000 }).toBe('Uploaded');

      // Each bar counted up to the file's size and ended full (mid-transfer values: see the cancel test).
      const seen = await progressSeen(page);
      for (const file of small) {
        const values = seen[`${file.name} upload progress`] ?? [];
        expect(values.some((v) => v.max === file.buffer.length && v.value > 0)).toBe(true);
        expect(values.at(-1)).toMatchObject({ value: 1, max: 1 });
      }

      // The bytes went straight to the store, not through the API.
      const transferOrigin = backend.transferOrigin(server.url);
      const puts = requests.filter((r) => r.method === 'PUT');
      expect(puts).toHaveLength(3);
      for (const put of puts) expect(put.url.origin).toBe(transferOrigin);

      await expect.poll(async () => (await gallery(page)).every((i) => i.loaded), { timeout: 15_000 }).toBe(true);
      // What the API says of each image, to check the page against (same context, so same session).
      const listed = (await (await context.request.get(`${server.url}/api/images`)).json()) as {
        images: { filename: string; url: string; variants?: Record<string, { url: string }> }[];
      };
      const pathOf = (url: string) => new URL(url, server.url).pathname;
      for (const image of await gallery(page)) {
        const original = small.find((f) => f.name === image.alt)!;
        const described = listed.images.find((i) => i.filename === image.alt)!;
        // The thumbnail when the server made one, else the original; the link always leads to the original.
        expect(pathOf(image.src)).toBe(pathOf(described.variants?.thumb?.url ?? described.url));
        expect(pathOf(image.href)).toBe(pathOf(described.url));
        const fetched = await context.request.get(image.href);
        expect(fetched.status()).toBe(200);
        expect(Buffer.from(await fetched.body()).equals(original.buffer)).toBe(true);
      }
    });

    it('refuses a file that is not an image with a visible alert, without asking for an upload', async () => {
      const createsBefore = apiCalls('POST', /^\/api\/uploads$/);
      await page.getByLabel('Choose images').setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') }]);
      const alert = row(page, 'notes.txt').getByRole('alert');
      await alert.waitFor({ state: 'visible' });
      expect(await alert.textContent()).toBe('notes.txt: this file type is not allowed');
      expect(apiCalls('POST', /^\/api\/uploads$/)).toBe(createsBefore);
      expect(await row(page, 'notes.txt').getByRole('button', { name: 'Retry notes.txt' }).count()).toBe(0);
      await row(page, 'notes.txt').getByRole('button', { name: 'Remove notes.txt from the list' }).click();
      await expect.poll(() => row(page, 'notes.txt').count()).toBe(0);
    });

    it('cancels an upload in flight, then retries it to the end', async () => {
      const big = await noisyPng('noise.png', 900);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      // Slow uploads down so that the transfer is surely still going when Cancel is pressed.
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 200 * 1024 });
      try {
        const completesBefore = apiCalls('POST', /\/complete$/);
        await page.getByLabel('Choose images').setInputFiles([big]);
        await expect
          .poll(async () => (await progressSeen(page))['noise.png upload progress']?.some((v) => v.value > 0 && v.value < v.max) ?? false, {
            timeout: 30_000,
          })
          .toBe(true);
        await row(page, 'noise.png').getByRole('button', { name: 'Cancel noise.png' }).click();
        await expect.poll(() => statusOf(page, 'noise.png')).toBe('Cancelled');
        // The transfer itself was aborted in the browser, not left to run to its end.
        await expect.poll(() => failed.filter((f) => f.method === 'PUT').map((f) => f.error)).toEqual(['net::ERR_ABORTED']);
        expect(apiCalls('POST', /\/complete$/)).toBe(completesBefore);
      } finally {
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        await cdp.detach();
      }
      expect(await galleryNames(page)).not.toContain('noise.png');

      await row(page, 'noise.png').getByRole('button', { name: 'Retry noise.png' }).click();
      await expect.poll(() => statusOf(page, 'noise.png'), { timeout: 30_000 }).toBe('Uploaded');
      await expect.poll(() => galleryNames(page)).toContain('noise.png');
    });

    it('adds files dropped on the widget or pasted into the page', async () => {
      const dropped = await singlePng('dropped.png', 250, 200, 0);
      const pasted = await singlePng('pasted.png', 0, 200, 250);
      await deliver(page, [dropped], 'drop');
      await deliver(page, [pasted], 'paste');
      await expect.poll(() => galleryNames(page), { timeout: 30_000 }).toEqual(expect.arrayContaining(['dropped.png', 'pasted.png']));
    });

    it('works from the keyboard: Tab reaches the file input and Enter opens the picker', async () => {
      await page.locator('body').focus();
      let focused = '';
      for (let presses = 0; presses < 20 && focused !== 'file'; presses += 1) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type ?? '');
      }
      expect(focused).toBe('file');
      expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).labels?.[0]?.textContent)).toBe('Choose images');
      await page.keyboard.press('Enter');
      await expect.poll(() => choosers.length, { timeout: 10_000 }).toBe(1);
      const chooser = choosers[0]!;
      expect(chooser.isMultiple()).toBe(true);
      await chooser.setFiles([await singlePng('keyboard.png', 120, 120, 120)]);
      await expect.poll(() => galleryNames(page), { timeout: 30_000 }).toContain('keyboard.png');
    });

    it('shows the same gallery after a reload (same browser, same anonymous session)', async () => {
      const before = await galleryNames(page);
      expect(before).toHaveLength(7);
      await page.reload();
      await expect.poll(() => galleryNames(page), { timeout: 15_000 }).toEqual(before);
      await expect.poll(async () => (await gallery(page)).every((i) => i.loaded), { timeout: 15_000 }).toBe(true);

      // Another browser profile has its own, empty gallery.
      const stranger = await browser.newContext();
      try {
        const other = await stranger.newPage();
        await other.goto(server.url);
        await other.getByText('No images yet.').waitFor();
      } finally {
        await stranger.close();
      }
    });

    it('deletes an image, for good', async () => {
      await page.getByRole('button', { name: 'Delete red.png' }).click();
      await expect.poll(() => galleryNames(page)).not.toContain('red.png');
      expect(apiCalls('DELETE', /^\/api\/images\//)).toBe(1);
      await page.reload();
      await expect.poll(() => galleryNames(page), { timeout: 15_000 }).toHaveLength(6);
      expect(await galleryNames(page)).not.toContain('red.png');
    });
  });
}
