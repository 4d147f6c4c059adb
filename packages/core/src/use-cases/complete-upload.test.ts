import { describe, expect, it } from 'vitest';
import { fakePng, harness, sha256 } from '../../testing/use-case-harness.js';
import { createUpload } from './create-upload.js';
import { completeUpload } from './complete-upload.js';

async function started(h: ReturnType<typeof harness>, body: Uint8Array, extra: Record<string, unknown> = {}) {
  const created = await createUpload(h.deps, 'alice', { filename: 'a.png', contentType: 'image/png', size: body.byteLength, ...extra });
  return created;
}

describe('completeUpload', () => {
  it('verifies, promotes out of quarantine and returns the image', async () => {
    const h = harness();
    const body = fakePng(30, 20);
    const { upload, target } = await started(h, body, { checksum: { algorithm: 'sha256', value: sha256(body) }, metadata: { album: 'x' } });
    await h.transfer(target, body);
    const image = await completeUpload(h.deps, 'alice', upload.id);
    expect(image).toEqual({
      id: upload.id,
      status: 'ready',
      filename: 'a.png',
      contentType: 'image/png',
      size: 64,
      width: 30,
      height: 20,
      visibility: 'public',
      url: `https://cdn.test/public/${upload.id}`,
      createdAt: '2026-06-01T12:00:00.000Z',
      metadata: { album: 'x' },
    });
    expect(await h.storage.head(`public/${upload.id}`)).toEqual({ size: 64, contentType: 'image/png' });
    expect(h.storage.objects.get(`public/${upload.id}`)!.headers.cacheControl).toContain('immutable');
    expect(await h.storage.head(target.url.replace('memory://', ''))).toBeNull();
  });

  it('gives private images a signed URL under the private prefix', async () => {
    const h = harness();
    const body = fakePng(2, 2);
    const { upload, target } = await started(h, body, { visibility: 'private' });
    await h.transfer(target, body);
    const image = await completeUpload(h.deps, 'alice', upload.id);
    expect(image.url).toBe(`https://signed.test/private/${upload.id}?ttl=300`);
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

  it('lets exactly one of concurrent calls verify; the others answer the same image or 409', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    let copies = 0;
    const copy = h.storage.copy.bind(h.storage);
    h.storage.copy = async (...args) => {
      copies += 1;
      return copy(...args);
    };
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => completeUpload(h.deps, 'alice', upload.id)));
    expect(copies).toBe(1);
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value.id).toBe(upload.id);
      else expect(r.reason).toMatchObject({ code: 'upload_in_progress' });
    }
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('answers 409 before the bytes arrive and succeeds once they have', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'not_uploaded' });
    expect((await h.metadata.getUpload(upload.id))!.status).toBe('pending');
    await h.transfer(target, body);
    await expect(completeUpload(h.deps, 'alice', upload.id)).resolves.toMatchObject({ status: 'ready' });
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
      const record = await h.metadata.getUpload(upload.id);
      expect(record).toMatchObject({ status: 'rejected', rejectionCode: code });
      expect(h.storage.objects.size).toBe(0);
      await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code });
    });
  }

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
    await expect(completeUpload(h.deps, 'alice', upload.id)).resolves.toMatchObject({ status: 'ready' });
  });

  it('hands the upload back when a dependency fails, so a retry succeeds', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    const read = h.storage.read.bind(h.storage);
    h.storage.read = async () => {
      throw Object.assign(new Error('down'), { code: 'service_unavailable' });
    };
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toThrow('down');
    expect((await h.metadata.getUpload(upload.id))!.status).toBe('pending');
    h.storage.read = read;
    await expect(completeUpload(h.deps, 'alice', upload.id)).resolves.toMatchObject({ status: 'ready' });
  });

  it('takes over an upload whose verifying call died, once its lease ended', async () => {
    const h = harness();
    const body = fakePng(3, 3);
    const { upload, target } = await started(h, body);
    await h.transfer(target, body);
    await h.metadata.transition(upload.id, { status: 'pending' }, { status: 'processing', leaseUntil: new Date('2026-06-01T12:01:00Z') });
    await expect(completeUpload(h.deps, 'alice', upload.id)).rejects.toMatchObject({ code: 'upload_in_progress' });
    h.advance(61);
    await expect(completeUpload(h.deps, 'alice', upload.id)).resolves.toMatchObject({ status: 'ready' });
  });
});

describe('observing uploads', () => {
  it('reports each creation, completion and rejection once', async () => {
    const events: string[] = [];
    const h = harness();
    const deps = {
      ...h.deps,
      observer: {
        uploadCreated: (type: string) => events.push(`created ${type}`),
        uploadCompleted: (type: string, size: number) => events.push(`completed ${type} ${size}`),
        uploadRejected: (code: string) => events.push(`rejected ${code}`),
        limitRefused: (limit: string) => events.push(`refused ${limit}`),
      },
    };
    const body = fakePng(3, 3);
    const good = await createUpload(deps, 'alice', { filename: 'a.png', contentType: 'image/png', size: body.length });
    await h.transfer(good.target, body);
    await completeUpload(deps, 'alice', good.upload.id);
    await completeUpload(deps, 'alice', good.upload.id);
    const bad = await createUpload(deps, 'alice', { filename: 'b.png', contentType: 'image/png', size: body.length });
    await h.transfer(bad.target, new Uint8Array(body.length));
    await expect(completeUpload(deps, 'alice', bad.upload.id)).rejects.toMatchObject({ code: 'type_mismatch' });
    await expect(completeUpload(deps, 'alice', bad.upload.id)).rejects.toMatchObject({ code: 'type_mismatch' });
    expect(events).toEqual(['created image/png', 'completed image/png 64', 'created image/png', 'rejected type_mismatch']);
  });
});
