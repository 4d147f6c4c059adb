import { describe, expect, it } from 'vitest';
import { fakePng, harness } from '../../testing/use-case-harness.js';
import { completeUpload } from './complete-upload.js';
import { createUpload } from './create-upload.js';
import { deleteImage } from './delete-image.js';
import { getImage } from './get-image.js';
import { listImages } from './list-images.js';
import { sweep } from './sweep.js';
import { acceptsBytes } from './accepts-bytes.js';
import { checkReadiness } from './check-readiness.js';

async function upload(h: ReturnType<typeof harness>, owner: string) {
  const body = fakePng(2, 2);
  const created = await createUpload(h.deps, owner, { filename: 'a.png', contentType: 'image/png', size: body.length });
  await h.transfer(created.target, body);
  const result = await completeUpload(h.deps, owner, created.upload.id);
  if (result.status !== 'ready') throw new Error('not ready');
  h.advance(1);
  return result.image;
}

describe('reading, listing and deleting images', () => {
  it('lists the owner\'s ready images newest first, page by page', async () => {
    const h = harness({ policy: { maxPendingUploads: 100 } });
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await upload(h, 'alice'));
    await upload(h, 'bob');
    await createUpload(h.deps, 'alice', { filename: 'p.png', contentType: 'image/png', size: 64 });
    const first = await listImages(h.deps, 'alice', { limit: 2 });
    expect(first.images.map((i) => i.id)).toEqual([mine[4]!.id, mine[3]!.id]);
    const second = await listImages(h.deps, 'alice', { limit: 2, cursor: first.nextCursor! });
    const third = await listImages(h.deps, 'alice', { limit: 2, cursor: second.nextCursor! });
    expect([...second.images, ...third.images].map((i) => i.id)).toEqual([mine[2]!.id, mine[1]!.id, mine[0]!.id]);
    expect(third.nextCursor).toBeNull();
    await expect(listImages(h.deps, 'alice', { limit: 2, cursor: 'garbage!' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('gets one image of the owner; others get not found', async () => {
    const h = harness();
    const image = await upload(h, 'alice');
    expect(await getImage(h.deps, 'alice', image.id)).toEqual(image);
    await expect(getImage(h.deps, 'bob', image.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('deletes record and bytes; a second delete is not found', async () => {
    const h = harness();
    const image = await upload(h, 'alice');
    await expect(deleteImage(h.deps, 'bob', image.id)).rejects.toMatchObject({ code: 'not_found' });
    await deleteImage(h.deps, 'alice', image.id);
    expect(await h.metadata.getUpload(image.id)).toBeNull();
    expect(h.storage.objects.size).toBe(0);
    await expect(deleteImage(h.deps, 'alice', image.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps a tombstone when the bytes cannot be removed, and finishes on retry or sweep', async () => {
    const h = harness();
    const image = await upload(h, 'alice');
    const remove = h.storage.delete.bind(h.storage);
    h.storage.delete = async () => {
      throw new Error('store down');
    };
    await expect(deleteImage(h.deps, 'alice', image.id)).rejects.toThrow('store down');
    await expect(getImage(h.deps, 'alice', image.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await listImages(h.deps, 'alice', { limit: 10 })).images).toEqual([]);
    h.storage.delete = remove;
    expect(await sweep(h.deps)).toEqual({ expired: 0, purged: 1, requeued: 0, failed: 0 });
    expect(h.storage.objects.size).toBe(0);
    expect(await h.metadata.getUpload(image.id)).toBeNull();
  });

  it('sweeps expired pending uploads and their quarantined bytes, leaving live ones', async () => {
    const h = harness();
    const stale = await createUpload(h.deps, 'alice', { filename: 'a.png', contentType: 'image/png', size: 64 });
    await h.transfer(stale.target, fakePng(2, 2));
    h.advance(600);
    const fresh = await createUpload(h.deps, 'alice', { filename: 'b.png', contentType: 'image/png', size: 64 });
    h.advance(301);
    expect(await sweep(h.deps)).toEqual({ expired: 1, purged: 0, requeued: 0, failed: 0 });
    expect((await h.metadata.getUpload(stale.upload.id))!.status).toBe('expired');
    expect((await h.metadata.getUpload(fresh.upload.id))!.status).toBe('pending');
    expect(h.storage.objects.size).toBe(0);
    expect(await sweep(h.deps)).toEqual({ expired: 0, purged: 0, requeued: 0, failed: 0 });
  });
});

describe('acceptsBytes', () => {
  it('is true only while the upload is pending and unexpired', async () => {
    const h = harness();
    const created = await createUpload(h.deps, 'alice', { filename: 'a.png', contentType: 'image/png', size: 64 });
    expect(await acceptsBytes(h.deps, created.upload.id)).toBe(true);
    expect(await acceptsBytes(h.deps, crypto.randomUUID())).toBe(false);
    await h.transfer(created.target, fakePng(2, 2));
    await completeUpload(h.deps, 'alice', created.upload.id);
    expect(await acceptsBytes(h.deps, created.upload.id)).toBe(false);
    const late = await createUpload(h.deps, 'alice', { filename: 'b.png', contentType: 'image/png', size: 64 });
    h.advance(900);
    expect(await acceptsBytes(h.deps, late.upload.id)).toBe(false);
  });
});

describe('checkReadiness', () => {
  it('reports each named dependency, and a hung one as down', async () => {
    const controller = new AbortController();
    const pending = checkReadiness(
      { database: async () => {}, storage: async () => Promise.reject(new Error('down')), cache: () => new Promise<void>(() => {}) },
      controller.signal,
    );
    // The quick checks settle first; then the deadline passes with one still hanging.
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    expect(await pending).toEqual({ ready: false, checks: { database: true, storage: false, cache: false } });
    expect(await checkReadiness({ database: async () => {} })).toEqual({ ready: true, checks: { database: true } });
  });
});
