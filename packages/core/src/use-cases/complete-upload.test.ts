import { describe, expect, it } from 'vitest';
import { fakePng, harness, sha256 } from '../../testing/use-case-harness.js';
import { createUpload } from './create-upload.js';
import { completeUpload, type CompleteResult } from './complete-upload.js';
import { processUpload } from './process-upload.js';
import { sweep } from './sweep.js';

type H = ReturnType<typeof harness>;

async function started(h: H, body: Uint8Array, extra: Record<string, unknown> = {}) {
  return createUpload(h.deps, 'alice', { filename: 'a.png', contentType: 'image/png', size: body.byteLength, ...extra });
}

function imageOf(result: CompleteResult) {
  if (result.status !== 'ready') throw new Error(`still ${result.status}`);
  return result.image;
}

describe('completeUpload and processUpload', () => {
  it('verifies, writes the served original and variants out of quarantine, and returns the image', async () => {
    const h = harness();
    const body = fakePng(30, 20);
    const { upload, target } = await started(h, body, { checksum: { algorithm: 'sha256', value: sha256(body) }, metadata: { album: 'x' } });
    await h.transfer(target, body);
    const image = imageOf(await completeUpload(h.deps, 'alice', upload.id));
    expect(image).toEqual({
      id: upload.id,
      status: 'ready',
      filename: 'a.png',
      contentType: 'image/png',
      size: 64,
      width: 30,
      height: 20,
      visibility: 'public',
      url: `https://cdn.test/public/${upload.id}/original`,
      createdAt: '2026-06-01T12:00:00.000Z',
      metadata: { album: 'x' },
      variants: {
        thumb: { url: `https://cdn.test/public/${upload.id}/thumb.webp`, width: 4, height: 4, contentType: 'image/webp', size: 9 },
      },
      placeholder: '#000000',
    });
    expect(await h.storage.head(`public/${upload.id}/original`)).toEqual({ size: 64, contentType: 'image/png' });
    expect(h.storage.objects.get(`public/${upload.id}/original`)!.headers.cacheControl).toContain('immutable');
    expect(await h.storage.head(`public/${upload.id}/thumb.webp`)).toEqual({ size: 9, contentType: 'image/webp' });
    expect(await h.storage.head(target.url.replace('memory://', ''))).toBeNull();
  });

  it('gives private images signed URLs under the private prefix', async () => {
    const h = harness();
    const body = fakePng(2, 2);
    const { upload, target } = await started(h, body, { visibility: 'private' });
    await h.transfer(target, body);
    const image = imageOf(await completeUpload(h.deps, 'alice', upload.id));
    expect(image.url).toBe(`https://signed.test/private/${upload.id}/original?ttl=300`);
    expect(image.variants.thumb!.url).toBe(`https://signed.test/private/${upload.id}/thumb.webp?ttl=300`);
  });

  it('is idempotent: a repeat returns the same image', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    const first = await completeUpload(h.deps, 'alice', upload.id);
    h.advance(5);
    expect(await completeUpload(h.deps, 'alice', upload.id)).toEqual(first);
  });

  it('waits for processing without polling: woken by the store when the job is done', async () => {
    const h = harness({ jobs: 'manual', policy: { completeWaitMs: 5_000 } });
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    let reads = 0;
    const getUpload = h.metadata.getUpload.bind(h.metadata);
    h.metadata.getUpload = async (id) => (reads++, getUpload(id));
    const startedAt = Date.now();
    const completing = completeUpload(h.deps, 'alice', upload.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.jobs.drain();
    expect((await completing).status).toBe('ready');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    // Only the job's own read: complete starts processing with its compare-and-set, without a
    // lookup first, and reads nothing while waiting (polling every 50 ms would have made six more).
    expect(reads).toBe(1);
  });

  it('reads the record again now and then when no notification comes', async () => {
    const h = harness({ jobs: 'manual', policy: { completeWaitMs: 5_000 } });
    // A store whose notifications never arrive: every wait ends on its timeout.
    const deaf = Object.assign(Object.create(h.metadata) as typeof h.metadata, {
      waitForSettled: (_id: string, ms: number, signal?: AbortSignal) =>
        new Promise<null>((resolve) => {
          const timer = setTimeout(() => resolve(null), ms);
          signal?.addEventListener('abort', () => (clearTimeout(timer), resolve(null)), { once: true });
        }),
    });
    const deps = { ...h.deps, metadata: deaf, recheckMs: 50 };
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    const startedAt = Date.now();
    const completing = completeUpload(deps, 'alice', upload.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.jobs.drain();
    expect((await completing).status).toBe('ready');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('answers "processing" when the work outlasts the wait, and the image once it is done', async () => {
    const h = harness({ jobs: 'manual' });
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    expect(await completeUpload(h.deps, 'alice', upload.id)).toEqual({
      status: 'processing',
      upload: { id: upload.id, status: 'processing', expiresAt: upload.expiresAt },
    });
    expect(h.jobs.queued).toEqual([upload.id]);
    await h.jobs.drain();
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('ready');
  });

  it('lets concurrent calls start one processing, and duplicate jobs write one set of variants', async () => {
    const h = harness({ jobs: 'manual' });
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    let puts = 0;
    const put = h.storage.put.bind(h.storage);
    h.storage.put = async (...args) => {
      puts += 1;
      return put(...args);
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => completeUpload(h.deps, 'alice', upload.id)));
    expect(results.every((r) => r.status === 'processing')).toBe(true);
    expect(h.jobs.queued).toEqual([upload.id]);
    // At-least-once delivery: the same job three times at once.
    await Promise.all([1, 2, 3].map(() => processUpload(h.deps, upload.id)));
    expect(puts).toBe(1);
    expect((await h.metadata.getUpload(upload.id))!.attempts).toBe(1);
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('ready');
  });

  it('answers 409 before the bytes arrive and succeeds once they have', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    let heads = 0;
    const head = h.storage.head.bind(h.storage);
    h.storage.head = async (key: string) => (heads++, head(key));
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'not_uploaded' });
    expect(heads).toBe(1);
    expect((await h.metadata.getUpload(upload.id))!.status).toBe('pending');
    await h.transfer(target, body);
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('ready');
  });

  it('completes an upload whose bytes sit under another key than its owner and id give (an older key scheme)', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    const record = (await h.metadata.getUpload(upload.id))!;
    const olderKey = `incoming/older-scheme/${upload.id}`;
    h.storage.objects.set(olderKey, h.storage.objects.get(record.incomingKey)!);
    h.storage.objects.delete(record.incomingKey);
    await h.metadata.remove(upload.id);
    await h.metadata.insertUpload({ ...record, incomingKey: olderKey });
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('ready');
    expect(h.storage.objects.has(olderKey)).toBe(false);
  });

  it('hides other owners\' uploads as not found', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    await expect(completeUpload(h.deps, 'mallory', upload.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(completeUpload(h.deps, 'alice', crypto.randomUUID())).rejects.toMatchObject({ code: 'not_found' });
  });

  const rejections: Array<[string, (body: Uint8Array) => Uint8Array, Record<string, unknown>, string]> = [
    ['a different size', (b) => b.subarray(0, 60), {}, 'size_mismatch'],
    ['more bytes than declared (never buffered past the declared size)', (b) => Uint8Array.from([...b, 0, 0, 0]), {}, 'size_mismatch'],
    ['other bytes than the checksum', (b) => fakePng(4, 4, b.length), { checksum: true }, 'checksum_mismatch'],
    ['bytes that are not the declared type', (b) => new Uint8Array(b.length).fill(0x3c), {}, 'type_mismatch'],
    ['a JPEG declared as PNG', (b) => Uint8Array.from([0xff, 0xd8, 0xff, ...b.subarray(3)]), {}, 'type_mismatch'],
    ['too many pixels', () => fakePng(1000, 1000), {}, 'image_too_large'],
  ];
  for (const [label, tamper, extra, code] of rejections) {
    it(`rejects ${label} (422 ${code}), deletes the bytes and replays the refusal`, async () => {
      const h = harness();
      const body = fakePng(3, 3);
      const checksum = extra.checksum ? { checksum: { algorithm: 'sha256', value: sha256(body) } } : {};
      const { upload, target } = await started(h, body, checksum);
      await h.transfer(target, tamper(body));
      await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code });
      expect(await h.metadata.getUpload(upload.id)).toMatchObject({ status: 'rejected', rejectionCode: code });
      expect(h.storage.objects.size).toBe(0);
      await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code });
    });
  }

  it('checks the checksum with the hash it is given (deps.sha256), not only the default', async () => {
    for (const [hash, status] of [[(bytes: Uint8Array) => sha256(bytes), 'ready'], [() => 'AAAA', 'rejected']] as const) {
      const hashed: number[] = [];
      const h = harness({ sha256: (bytes) => (hashed.push(bytes.byteLength), hash(bytes)) });
      const body = fakePng(3, 3);
      const { upload, target } = await started(h, body, { checksum: { algorithm: 'sha256', value: sha256(body) } });
      await h.transfer(target, body);
      await completeUpload(h.deps, 'alice', upload.id).catch(() => undefined);
      expect(hashed).toEqual([body.byteLength]);
      expect((await h.metadata.getUpload(upload.id))!.status).toBe(status);
    }
  });

  it('rejects a stored type other than the signed one', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer({ ...target, headers: { 'content-type': 'text/html' } }, body);
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'type_mismatch' });
  });

  it('answers 410 once the upload has expired, and deletes late bytes', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    h.advance(300 + 600);
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'upload_expired' });
    expect((await h.metadata.getUpload(upload.id))!.status).toBe('expired');
    expect(h.storage.objects.size).toBe(0);
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'upload_expired' });
  });

  it('accepts completion during the grace period after the URL expired', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    h.advance(300 + 599);
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('ready');
  });

  it('answers 404 for an unknown or foreign id while the store is down, 503 for the owner\'s upload, which stays pending', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    const head = h.storage.head.bind(h.storage);
    h.storage.head = async () => {
      throw Object.assign(new Error('down'), { code: 'service_unavailable' });
    };
    await expect(completeUpload(h.deps, 'alice', crypto.randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    await expect(completeUpload(h.deps, 'mallory', upload.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toThrow('down');
    expect((await h.metadata.getUpload(upload.id))!.status).toBe('pending');
    h.storage.head = head;
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('ready');
  });

  it('backs off when a dependency fails, and the reconciler queues the upload again', async () => {
    const h = harness({ jobs: 'manual' });
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    await completeUpload(h.deps, 'alice', upload.id);
    const read = h.storage.read.bind(h.storage);
    h.storage.read = async () => {
      throw Object.assign(new Error('down'), { code: 'service_unavailable' });
    };
    await expect(processUpload(h.deps, upload.id)).rejects.toThrow('down');
    expect(await h.metadata.getUpload(upload.id)).toMatchObject({ status: 'processing', attempts: 1 });
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('processing');
    h.storage.read = read;
    // Before the backoff ends nothing is queued again; after it, the sweep does.
    expect((await sweep(h.deps)).requeued).toBe(0);
    h.advance(6);
    expect((await sweep(h.deps)).requeued).toBe(1);
    await h.jobs.drain();
    expect((await completeUpload(h.deps, 'alice', upload.id)).status).toBe('ready');
  });

  it('takes up the job of a worker that died, once its lease ran out', async () => {
    const h = harness({ jobs: 'manual' });
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    await completeUpload(h.deps, 'alice', upload.id);
    // A worker claimed it and died.
    await h.metadata.transition(upload.id, { status: 'processing', attempts: 0 }, { attempts: 1, leaseUntil: new Date('2026-06-01T12:02:00Z') });
    h.jobs.queued.length = 0;
    expect((await sweep(h.deps)).requeued).toBe(0);
    h.advance(121);
    expect((await sweep(h.deps)).requeued).toBe(1);
    await h.jobs.drain();
    expect(await h.metadata.getUpload(upload.id)).toMatchObject({ status: 'ready', attempts: 2 });
  });

  it('rejects with processing_failed after the last attempt', async () => {
    const h = harness({ jobs: 'manual', policy: { maxProcessingAttempts: 2 } });
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    await completeUpload(h.deps, 'alice', upload.id);
    h.storage.read = async () => {
      throw new Error('down');
    };
    await expect(processUpload(h.deps, upload.id)).rejects.toThrow();
    h.advance(10);
    await expect(processUpload(h.deps, upload.id)).rejects.toThrow();
    h.advance(20);
    await processUpload(h.deps, upload.id);
    expect(await h.metadata.getUpload(upload.id)).toMatchObject({ status: 'rejected', rejectionCode: 'processing_failed' });
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'processing_failed' });
  });
});

describe('observing uploads', () => {
  it('reports each creation, completion and rejection once', async () => {
    const events: string[] = [];
    const h = harness({
      observer: {
        uploadCreated: (type: string) => events.push(`created ${type}`),
        uploadCompleted: (type: string, size: number) => events.push(`completed ${type} ${size}`),
        uploadRejected: (code: string) => events.push(`rejected ${code}`),
        limitRefused: (limit: string) => events.push(`refused ${limit}`),
      },
    });
    const body = fakePng(3, 3);
    const good = await createUpload(h.deps, 'alice', { filename: 'a.png', contentType: 'image/png', size: body.length });
    await h.transfer(good.target, body);
    await completeUpload(h.deps, 'alice', good.upload.id);
    await completeUpload(h.deps, 'alice', good.upload.id);
    const bad = await createUpload(h.deps, 'alice', { filename: 'b.png', contentType: 'image/png', size: body.length });
    await h.transfer(bad.target, new Uint8Array(body.length));
    await expect(completeUpload(h.deps, 'alice', bad.upload.id)).rejects.toMatchObject({ code: 'type_mismatch' });
    await expect(completeUpload(h.deps, 'alice', bad.upload.id)).rejects.toMatchObject({ code: 'type_mismatch' });
    expect(events).toEqual(['created image/png', 'completed image/png 64', 'created image/png', 'rejected type_mismatch']);
  });
});
