// useUploader in Chromium: the component re-renders from the store, and unmounting cancels what is in flight.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../packages/server/src/start-server.js';
import { buildFixture } from './support/build-fixture.js';
import { launchChromium } from './support/chromium.js';
import { noisyPng, smallImages } from './support/images.js';

type Running = Awaited<ReturnType<typeof startServer>>;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

describe('useUploader in Chromium', { timeout: 60_000 }, () => {
  let tmp: string;
  let browser: Browser;
  let server: Running;
  let context: BrowserContext;
  let page: Page;
  const failedPuts: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'du-hook-'));
    const out = join(tmp, 'page');
    await buildFixture('use-uploader', out, '/fixture/');
    server = await startServer({ PORT: '0', DATA_DIR: join(tmp, 'data'), LOG_LEVEL: 'silent', SWEEP_INTERVAL_SECONDS: '0' });
    browser = await launchChromium();
    context = await browser.newContext();
    // The fixture is served as if from the API's own origin, so the page and the API share the session.
    await context.route(`${server.url}/fixture/**`, async (route) => {
      const path = new URL(route.request().url()).pathname.replace(/^\/fixture\//, '') || 'index.html';
      await route.fulfill({ body: await readFile(join(out, path)), contentType: TYPES[extname(path)] ?? 'application/octet-stream' });
    });
    page = await context.newPage();
    page.on('requestfailed', (request) => {
      if (request.method() === 'PUT') failedPuts.push(request.failure()?.errorText ?? '');
    });
    await page.goto(`${server.url}/fixture/index.html`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const states = () => page.getByRole('list', { name: 'States' }).getByRole('listitem').locator('.state').allTextContents();

  it('renders each change of the store', async () => {
    const files = await smallImages();
    await page.getByLabel('Files').setInputFiles(files);
    await expect.poll(states, { timeout: 30_000 }).toEqual(['red.png:done', 'green.jpg:done', 'blue.webp:done']);
    const listed = (await (await context.request.get(`${server.url}/api/images`)).json()) as { images: { filename: string }[] };
    expect(listed.images.map((i) => i.filename).sort()).toEqual(['blue.webp', 'green.jpg', 'red.png']);
  });

  it('cancels uploads in flight when the component unmounts', async () => {
    const big = await noisyPng('slow.png', 900);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 200 * 1024 });
    try {
      await page.getByLabel('Files').setInputFiles([big]);
      await expect.poll(async () => (await states()).some((s) => s.startsWith('slow.png:uploading')), { timeout: 30_000 }).toBe(true);
      await page.getByRole('button', { name: 'Toggle' }).click();
      await expect.poll(() => failedPuts).toEqual(['net::ERR_ABORTED']);
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    const listed = (await (await context.request.get(`${server.url}/api/images`)).json()) as { images: { filename: string }[] };
    expect(listed.images.map((i) => i.filename)).not.toContain('slow.png');
  });
});
