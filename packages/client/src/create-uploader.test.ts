// The uploader end to end against a scripted API: states, checks, retries, expiry, processing, concurrency, cancel, retry, remove.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startScriptedApi, type ScriptedApi } from '../test/support/scripted-api-server.js';
import { recordStatuses, waitForState } from '../test/support/wait-for-state.js';
import { createUploader, type UploaderOptions } from './create-uploader.js';
import { fetchTransport } from './fetch-transport.js';
import { sleep as realSleep } from './backoff.js';
import { isUploadError } from './upload-error.js';

let api: ScriptedApi;
let delays: number[];
/** A clock that moves only when the uploader waits, so that deadlines are reached exactly and at once. */
let clock: number;

beforeEach(async () => {
  api = await startScriptedApi();
  delays = [];
  clock = 0;
});
afterEach(() => api.close());

function uploaderFor(options: UploaderOptions = {}) {
  return createUploader({
    endpoint: api.url,
    transport: fetchTransport(),
    // Waits are recorded, not slept: retries happen at once and the test can see how long they would wait.
    sleep: async (ms) => {
      delays.push(ms);
      clock += ms;
    },
    now: () => clock,
    random: () => 0.5,
    ...options,
  });
}

const png = (name: string, size = 2048, fill = 7) => new File([new Uint8Array(size).fill(fill)], name, { type: 'image/png' });
const sha256 = async (file: Blob) => createHash('sha256').update(Buffer.from(await file.arrayBuffer())).digest('base64');

describe('uploader: one file', () => {
  it('goes queued, hashing, uploading, verifying, done; and the bytes arrive with the checksum', async () => {
    const uploader = uploaderFor();
    const history = recordStatuses(uploader);
    const file = png('cat.png');
    const progress: [number, number][] = [];
    const image = await uploader.upload(file, { visibility: 'private', metadata: { album: 'pets' }, onProgress: (l, t) => progress.push([l, t]) });

    expect(image).toMatchObject({ filename: 'cat.png', contentType: 'image/png', size: 2048 });
    const id = uploader.getState().items[0]!.id;
    expect(history.get(id)).toEqual(['queued', 'hashing', 'uploading', 'verifying', 'done']);
    expect(uploader.getState().items[0]).toMatchObject({ status: 'done', image });
    expect(api.stored.get(image.id)).toEqual(Buffer.from(await file.arrayBuffer()));
    expect(api.creates).toEqual([
      {
        filename: 'cat.png',
        contentType: 'image/png',
        size: 2048,
        checksum: { algorithm: 'sha256', value: await sha256(file) },
        visibility: 'private',
        metadata: { album: 'pets' },
      },
    ]);
    expect(progress.at(-1)).toEqual([2048, 2048]);
  });

  it('asks for the config first and only once', async () => {
    const uploader = uploaderFor();
    await uploader.upload(png('a.png'));
    await uploader.upload(png('b.png'));
    expect(api.log[0]).toMatchObject({ method: 'GET', path: '/api/config' });
    expect(api.count('GET', '/api/config')).toBe(1);
  });

  it('sends the API headers (static and computed) on API calls only, never on the transfer', async () => {
    let n = 0;
    const uploader = uploaderFor({ headers: { 'x-app': 'demo' }, getHeaders: async () => ({ authorization: `Bearer t${++n}` }) });
    await uploader.upload(png('a.png'));
    const create = api.log.find((r) => r.method === 'POST' && r.path === '/api/uploads')!;
    const transfer = api.log.find((r) => r.method === 'PUT')!;
    expect(create.headers).toMatchObject({ 'x-app': 'demo', authorization: expect.stringMatching(/^Bearer t\d$/) });
    expect(transfer.headers.authorization).toBeUndefined();
    expect(transfer.headers['x-app']).toBeUndefined();
    expect(transfer.headers['x-upload-token']).toBeDefined();
  });
});

describe('uploader: refused files', () => {
  it('refuses a type the server does not allow before any other request', async () => {
    const uploader = uploaderFor();
    const error = await uploader.upload(new File(['<svg/>'], 'photo.svg', { type: 'image/svg+xml' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unsupported_type', message: 'photo.svg: this file type is not allowed' });
    expect(uploader.getState().items[0]).toMatchObject({ status: 'error', error: { code: 'unsupported_type' } });
    expect(api.log.map((r) => r.path)).toEqual(['/api/config']);
  });

  it('refuses a file over the limit with the limit in the message', async () => {
    await api.close();
    api = await startScriptedApi({ maxBytes: 1024 * 1024 });
    const uploader = uploaderFor();
    const [id] = uploader.add([png('big.png', 1024 * 1024 + 1)]);
    const state = await waitForState(uploader, (s) => s.items[0]?.status === 'error');
    expect(state.items[0]).toMatchObject({ id, error: { code: 'file_too_large', message: 'big.png is too large (max 1 MB)' } });
    expect(api.count('POST', '/api/uploads')).toBe(0);
  });

  it("shows the server's refusal of the create without retrying it", async () => {
    api.createPlan.push('fail429');
    const uploader = uploaderFor();
    const error = await uploader.upload(png('a.png')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, message: 'a.png: too many uploads at once; try again in a moment' });
    expect(api.count('POST', '/api/uploads')).toBe(1);
  });
});

describe('uploader: retries', () => {
  it('retries a 5xx transfer with backoff and then succeeds', async () => {
    api.transferPlan.push('fail503', 'fail503');
    const uploader = uploaderFor({ retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } });
    const image = await uploader.upload(png('a.png'));
    expect(image.filename).toBe('a.png');
    expect(api.count('PUT', /^\/store\//)).toBe(3);
    expect(delays).toEqual([50, 100]);
  });

  it('retries a transfer whose connection dropped; the retry hears already_uploaded and goes on', async () => {
    api.transferPlan.push('drop', 'already');
    const uploader = uploaderFor();
    const image = await uploader.upload(png('a.png'));
    expect(image.id).toBe('up1');
    expect(api.count('PUT', /^\/store\//)).toBe(2);
    expect(api.count('POST', '/api/uploads')).toBe(1);
  });

  it('never retries a 4xx transfer', async () => {
    api.transferPlan.push('fail400');
    const uploader = uploaderFor();
    const error = await uploader.upload(png('a.png')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
    expect(api.count('PUT', /^\/store\//)).toBe(1);
    expect(delays).toEqual([]);
  });

  it('gives up after the configured attempts and shows a message for people', async () => {
    api.transferPlan.push('fail503', 'fail503', 'fail503');
    const uploader = uploaderFor({ retry: { attempts: 3 } });
    const error = await uploader.upload(png('a.png')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'service_unavailable', message: 'a.png could not be uploaded: the server is unavailable; try again' });
    expect(api.count('PUT', /^\/store\//)).toBe(3);
  });

  it('retries a 5xx complete, but not a 4xx one', async () => {
    api.completePlan.push('fail500', 'fail409');
    const uploader = uploaderFor();
    const error = await uploader.upload(png('a.png')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upload_in_progress', status: 409 });
    expect(api.count('POST', '/api/uploads/up1/complete')).toBe(2);
  });

  it('creates a fresh upload once when the signed URL expired', async () => {
    api.transferPlan.push('expired');
    const uploader = uploaderFor();
    const image = await uploader.upload(png('a.png'));
    expect(image.id).toBe('up2');
    expect(api.count('POST', '/api/uploads')).toBe(2);
    expect(api.creates[1]).toEqual(api.creates[0]);
  });

  it('does not renew an expired URL a second time', async () => {
    api.transferPlan.push('expired', 'expired');
    const uploader = uploaderFor();
    const error = await uploader.upload(png('a.png')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upload_url_expired' });
    expect(api.count('POST', '/api/uploads')).toBe(2);
    expect(api.count('PUT', /^\/store\//)).toBe(2);
  });
});

describe('uploader: processing on the server', () => {
  const completes = () => api.count('POST', '/api/uploads/up1/complete');

  it('waits while the server processes the image, polling with growing waits, then is done', async () => {
    api.completePlan.push('processing', 'processing');
    const uploader = uploaderFor();
    const history = recordStatuses(uploader);
    const image = await uploader.upload(png('a.png'));

    expect(image).toMatchObject({ id: 'up1', placeholder: '#a1b2c3', variants: { thumb: { url: '/images/up1/thumb.webp' } } });
    expect(history.get(uploader.getState().items[0]!.id)).toEqual(['queued', 'hashing', 'uploading', 'verifying', 'processing', 'done']);
    expect(completes()).toBe(3);
    // 500 ms then 1 s ceilings, drawn from their upper half (random() is 0.5 here).
    expect(delays).toEqual([375, 750]);
    expect(api.count('PUT', /^\/store\//)).toBe(1);
  });

  it("waits at least as long as the server's Retry-After asks, within the 5 s ceiling", async () => {
    const after = (seconds: number) => ({ processing: { retryAfter: seconds } });
    api.completePlan.push(after(2), after(2), 'processing', after(30), after(1));
    const uploader = uploaderFor();
    await uploader.upload(png('a.png'));
    expect(delays).toEqual([2000, 2000, 1500, 5000, 3750]);
  });

  it('skips the processing state when the server answers at once', async () => {
    const uploader = uploaderFor();
    const history = recordStatuses(uploader);
    await uploader.upload(png('a.png'));
    expect(history.get(uploader.getState().items[0]!.id)).not.toContain('processing');
    expect(delays).toEqual([]);
  });

  it("shows the server's refusal after processing, without asking again", async () => {
    api.completePlan.push('processing', 'refuse422');
    const uploader = uploaderFor();
    const history = recordStatuses(uploader);
    const error = await uploader.upload(new File([new Uint8Array(64).fill(3)], 'photo.jpg', { type: 'image/jpeg' })).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'processing_failed', status: 422, message: 'photo.jpg could not be processed' });
    const [item] = uploader.getState().items;
    expect(item).toMatchObject({ status: 'error', error: { code: 'processing_failed', message: 'photo.jpg could not be processed' } });
    expect(history.get(item!.id)).toEqual(['queued', 'hashing', 'uploading', 'verifying', 'processing', 'error']);
    expect(completes()).toBe(2);
  });

  it('retries a 5xx poll by the retry rules and goes on polling', async () => {
    api.completePlan.push('processing', 'fail500', 'processing', 'ok');
    const uploader = uploaderFor({ retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 1000 } });
    const image = await uploader.upload(png('a.png'));
    expect(image.id).toBe('up1');
    expect(completes()).toBe(4);
    // Poll wait, retry wait (full jitter on 100 ms), then the second poll wait.
    expect(delays).toEqual([375, 50, 750]);
  });

  it('gives up with processing_timeout at the deadline; a retry asks again without sending the bytes again', async () => {
    api.completePlan.push(...Array.from({ length: 20 }, () => 'processing' as const));
    const uploader = uploaderFor({ processingTimeoutMs: 10_000 });
    const [id] = uploader.add([png('a.png')]);
    const state = await waitForState(uploader, (s) => s.items[0]!.status === 'error');

    expect(state.items[0]).toMatchObject({ error: { code: 'processing_timeout', message: 'a.png is taking too long to process; try again later' } });
    // The last wait is cut to the deadline, and one last call made there.
    expect(delays).toEqual([375, 750, 1500, 3000, 3750, 625]);
    expect(delays.reduce((a, b) => a + b)).toBe(10_000);
    expect(completes()).toBe(7);

    api.completePlan.length = 0;
    uploader.retry(id!);
    const after = await waitForState(uploader, (s) => s.items[0]!.status === 'done');
    expect(after.items[0]).toMatchObject({ image: { id: 'up1' } });
    expect(api.count('POST', '/api/uploads')).toBe(1);
    expect(api.count('PUT', /^\/store\//)).toBe(1);
  });

  it('waits five minutes by default', async () => {
    api.completePlan.push(...Array.from({ length: 100 }, () => 'processing' as const));
    const uploader = uploaderFor();
    await expect(uploader.upload(png('a.png'))).rejects.toMatchObject({ code: 'processing_timeout' });
    expect(delays.reduce((a, b) => a + b)).toBe(5 * 60_000);
    expect(Math.max(...delays)).toBe(3750);
  });

  it("stops polling when the caller's signal fires, and a retry picks up where it stopped", async () => {
    api.completePlan.push('processing');
    // Waits for real (until aborted), so the file surely sits in processing when the signal fires.
    const uploader = uploaderFor({ sleep: (_ms, signal) => realSleep(10 * 60_000, signal) });
    const controller = new AbortController();
    const pending = uploader.upload(png('a.png'), { signal: controller.signal });
    await waitForState(uploader, (s) => s.items[0]?.status === 'processing');
    controller.abort();

    await expect(pending).rejects.toMatchObject({ code: 'aborted', message: 'a.png: upload cancelled' });
    expect(uploader.getState().items[0]!.status).toBe('cancelled');
    expect(completes()).toBe(1);

    uploader.retry(uploader.getState().items[0]!.id);
    const state = await waitForState(uploader, (s) => s.items[0]!.status === 'done');
    expect(state.items[0]).toMatchObject({ image: { id: 'up1' } });
    expect(completes()).toBe(2);
    expect(api.count('PUT', /^\/store\//)).toBe(1);
  });

  it('cancels a file while it is processing', async () => {
    api.completePlan.push('processing');
    const uploader = uploaderFor({ sleep: (_ms, signal) => realSleep(10 * 60_000, signal) });
    const [id] = uploader.add([png('a.png')]);
    await waitForState(uploader, (s) => s.items[0]?.status === 'processing');
    uploader.cancel(id!);
    await waitForState(uploader, (s) => s.items[0]!.status === 'cancelled');
    expect(completes()).toBe(1);
  });
});

describe('uploader: many files', () => {
  it('runs at most `concurrency` files at once and finishes them all', async () => {
    api.transferPlan.push('hold', 'hold', 'hold', 'hold', 'hold');
    const uploader = uploaderFor({ concurrency: 2 });
    const files = [1, 2, 3, 4, 5].map((n) => png(`f${n}.png`, 1000 + n));
    const ids = uploader.add(files);
    expect(ids).toHaveLength(5);

    await api.held(2);
    const statuses = uploader.getState().items.map((i) => i.status);
    expect(statuses.filter((s) => s === 'queued')).toHaveLength(3);
    // Each release lets the next files through; the server never sees more than two at once.
    while (uploader.getState().items.some((i) => i.status !== 'done')) {
      api.releaseHeld();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(api.maxConcurrentTransfers).toBe(2);
    expect(uploader.getState().items.map((i) => i.name)).toEqual(['f1.png', 'f2.png', 'f3.png', 'f4.png', 'f5.png']);
    expect([...api.stored.values()].map((b) => b.length).sort()).toEqual([1001, 1002, 1003, 1004, 1005]);
  });
});

describe('uploader: cancel, retry, remove', () => {
  it('cancels a transfer in flight: the request is aborted and the item ends cancelled', async () => {
    api.transferPlan.push('hold');
    const uploader = uploaderFor();
    const pending = uploader.upload(png('a.png'));
    await api.held(1);
    const id = uploader.getState().items[0]!.id;
    uploader.cancel(id);
    const error = await pending.catch((e: unknown) => e);
    expect(isUploadError(error, 'aborted')).toBe(true);
    expect(uploader.getState().items[0]!.status).toBe('cancelled');
    await expect.poll(() => api.abandonedTransfers).toBe(1);
    expect(api.count('POST', '/api/uploads/up1/complete')).toBe(0);
  });

  it('cancels a queued file without sending anything for it', async () => {
    api.transferPlan.push('hold');
    const uploader = uploaderFor({ concurrency: 1 });
    const [first, second] = uploader.add([png('a.png'), png('b.png')]);
    await api.held(1);
    uploader.cancel(second!);
    expect(uploader.getState().items[1]!.status).toBe('cancelled');
    api.releaseHeld();
    await waitForState(uploader, (s) => s.items[0]!.status === 'done');
    expect(uploader.getState().items.map((i) => [i.id, i.status])).toEqual([
      [first, 'done'],
      [second, 'cancelled'],
    ]);
    expect(api.creates.map((c) => c.filename)).toEqual(['a.png']);
  });

  it("follows the caller's AbortSignal at any step", async () => {
    const uploader = uploaderFor();
    const controller = new AbortController();
    controller.abort();
    await expect(uploader.upload(png('a.png'), { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(uploader.getState().items[0]!.status).toBe('cancelled');

    api.transferPlan.push('hold');
    const later = new AbortController();
    const pending = uploader.upload(png('b.png'), { signal: later.signal });
    await api.held(1);
    later.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    expect(uploader.getState().items[1]!.status).toBe('cancelled');
  });

  it('retries a failed file from the start', async () => {
    api.transferPlan.push('fail400');
    const uploader = uploaderFor();
    const [id] = uploader.add([png('a.png')]);
    await waitForState(uploader, (s) => s.items[0]!.status === 'error');
    uploader.retry(id!);
    const state = await waitForState(uploader, (s) => s.items[0]!.status === 'done');
    expect(state.items[0]).toMatchObject({ id, status: 'done', image: { id: 'up2' } });
    expect(api.count('POST', '/api/uploads')).toBe(2);
  });

  it('retries only the complete step when the bytes were already sent', async () => {
    api.completePlan.push('fail429');
    const uploader = uploaderFor();
    const [id] = uploader.add([png('a.png')]);
    await waitForState(uploader, (s) => s.items[0]!.status === 'error');
    uploader.retry(id!);
    const state = await waitForState(uploader, (s) => s.items[0]!.status === 'done');
    expect(state.items[0]).toMatchObject({ image: { id: 'up1' } });
    expect(api.count('POST', '/api/uploads')).toBe(1);
    expect(api.count('PUT', /^\/store\//)).toBe(1);
  });

  it('retries a cancelled file, ignoring the signal that cancelled it', async () => {
    const uploader = uploaderFor();
    const pending = uploader.upload(png('a.png'), { signal: AbortSignal.abort() });
    await pending.catch(() => undefined);
    const id = uploader.getState().items[0]!.id;
    uploader.retry(id);
    await waitForState(uploader, (s) => s.items[0]!.status === 'done');
  });

  it('removes a file, cancelling it if it is in flight', async () => {
    api.transferPlan.push('hold');
    const uploader = uploaderFor();
    const [id] = uploader.add([png('a.png')]);
    await api.held(1);
    uploader.remove(id!);
    expect(uploader.getState().items).toEqual([]);
    await expect.poll(() => api.abandonedTransfers).toBe(1);
    // Calls about a forgotten file are harmless.
    uploader.cancel(id!);
    uploader.retry(id!);
    expect(uploader.getState().items).toEqual([]);
  });

  it('settles the promise of a file removed while in flight', async () => {
    api.transferPlan.push('hold');
    const uploader = uploaderFor();
    const pending = uploader.upload(png('a.png'));
    await api.held(1);
    uploader.remove(uploader.getState().items[0]!.id);
    await expect(pending).rejects.toMatchObject({ code: 'aborted', message: 'a.png: upload cancelled' });
  });

  it('does nothing when cancelling a finished file', async () => {
    const uploader = uploaderFor();
    await uploader.upload(png('a.png'));
    const before = uploader.getState();
    uploader.cancel(before.items[0]!.id);
    expect(uploader.getState()).toBe(before);
  });
});
