import { describe, expect, it } from 'vitest';
import { harness } from '../../testing/use-case-harness.js';
import { createUpload } from './create-upload.js';

const request = { filename: 'cat.png', contentType: 'image/png', size: 64 };

describe('createUpload', () => {
  it('records a pending upload under a server-made key and signs it', async () => {
    const h = harness();
    const created = await createUpload(h.deps, 'alice', request);
    expect(created.upload.status).toBe('pending');
    expect(created.upload.expiresAt).toBe('2026-06-01T12:15:00.000Z');
    const record = await h.metadata.getUpload(created.upload.id);
    expect(record).toMatchObject({ owner: 'alice', status: 'pending', size: 64, visibility: 'public' });
    expect(record!.incomingKey).toBe(`incoming/alice/${created.upload.id}`);
    expect(created.target).toEqual({ method: 'PUT', url: `memory://${record!.incomingKey}`, headers: { 'content-type': 'image/png' } });
  });

  it('ignores fields the client may not choose and cleans the filename', async () => {
    const h = harness();
    const created = await createUpload(h.deps, 'alice', {
      ...request,
      filename: '../../etc/\u202epasswd.png',
      key: 'public/evil',
      bucket: 'other',
      acl: 'public-read',
    } as typeof request);
    const record = await h.metadata.getUpload(created.upload.id);
    expect(record!.incomingKey).toBe(`incoming/alice/${created.upload.id}`);
    expect(record!.filename).toBe('_.._etc__passwd.png');
  });

  it('keeps owner ids that are unsafe in keys out of the key', async () => {
    const h = harness();
    const created = await createUpload(h.deps, '../user@example.com', request);
    const record = await h.metadata.getUpload(created.upload.id);
    expect(record!.incomingKey).toMatch(/^incoming\/h-[0-9a-f]{32}\/[0-9a-f-]{36}$/);
  });

  it('refuses types outside the allow-list (415) and sizes over the cap (413)', async () => {
    const h = harness();
    await expect(createUpload(h.deps, 'a', { ...request, contentType: 'image/svg+xml' })).rejects.toMatchObject({ code: 'unsupported_type' });
    await expect(createUpload(h.deps, 'a', { ...request, contentType: 'image/webp' })).rejects.toMatchObject({ code: 'unsupported_type' });
    await expect(createUpload(h.deps, 'a', { ...request, size: 1001 })).rejects.toMatchObject({ code: 'file_too_large' });
    expect(await createUpload(h.deps, 'a', { ...request, contentType: ' IMAGE/PNG ' })).toBeTruthy();
  });

  it('caps pending uploads per owner until they expire', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await createUpload(h.deps, 'alice', request);
    await expect(createUpload(h.deps, 'alice', request)).rejects.toMatchObject({ code: 'too_many_pending_uploads', retryAfterSeconds: 300 });
    await expect(createUpload(h.deps, 'bob', request)).resolves.toBeTruthy();
    h.advance(901);
    await expect(createUpload(h.deps, 'alice', request)).resolves.toBeTruthy();
  });

  it('refuses with the limiter\'s delay when the owner is over the rate limit', async () => {
    const h = harness({ ownerRateLimiter: { consume: async () => ({ allowed: false, remaining: 0, retryAfterSeconds: 17 }) } });
    await expect(createUpload(h.deps, 'alice', request)).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 17 });
    expect(await h.metadata.listExpired(new Date('2030-01-01T00:00:00Z'), 10)).toEqual([]);
  });
});
