import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describeStorageContract } from '@direct-upload/core/testing';
import { keyToPath } from './disk-keys.js';
import { DiskStorage } from './disk-storage.js';

const bytes = (n: number, seed = 1) => new Uint8Array(n).map((_, i) => (i * 13 + seed) % 256);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();
const streamOf = (...chunks: Uint8Array[]) => Readable.from(chunks.map((c) => Buffer.from(c)));
const incoming = () => `incoming/owner-1/${randomUUID()}`;

/** Every regular file under a directory, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

describeStorageContract('DiskStorage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'disk-storage-contract-'));
  return { storage: new DiskStorage(join(dir, 'objects')), close: () => rm(dir, { recursive: true, force: true }) };
});

describe('DiskStorage', () => {
  let dir: string;
  let root: string;
  let storage: DiskStorage;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'disk-storage-'));
    root = join(dir, 'objects');
    storage = new DiskStorage(root);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Files a key has on disk (its data and its sidecar), plus anything left in the temp folder. */
  const traces = async (key: string) => (await filesUnder(root)).filter((f) => f.startsWith(key) || f.startsWith('.tmp/'));

  describe('headers', () => {
    it('keeps Cache-Control and Content-Disposition with the object, and a copy replaces them', async () => {
      const from = incoming();
      const to = `public/${randomUUID()}`;
      await storage.put(from, bytes(10), { contentType: 'image/png', cacheControl: 'no-store', contentDisposition: 'attachment' });
      await storage.copy(from, to, { contentType: 'image/webp', cacheControl: 'public, max-age=60', contentDisposition: 'inline; filename="a.webp"' });
      const served = await storage.openForServing(to, { body: false });
      expect(served).toEqual({
        size: 10,
        headers: { contentType: 'image/webp', cacheControl: 'public, max-age=60', contentDisposition: 'inline; filename="a.webp"' },
        range: null,
        body: null,
      });
      expect((await storage.openForServing(from, { body: false }))?.headers).toEqual({
        contentType: 'image/png',
        cacheControl: 'no-store',
        contentDisposition: 'attachment',
      });
    });

    it('copies onto itself and onto an existing object without leaving temporary files', async () => {
      const key = `public/${randomUUID()}`;
      const other = `public/${randomUUID()}`;
      await storage.put(key, bytes(5), { contentType: 'image/png' });
      await storage.put(other, bytes(9), { contentType: 'image/gif' });
      await storage.copy(key, key, { contentType: 'image/jpeg' });
      await storage.copy(key, other, { contentType: 'image/webp' });
      expect(await storage.head(key)).toEqual({ size: 5, contentType: 'image/jpeg' });
      expect(await storage.head(other)).toEqual({ size: 5, contentType: 'image/webp' });
      expect(await filesUnder(join(root, '.tmp'))).toEqual([]);
    });

    it('treats headers without data (a publish cut short) as no object', async () => {
      const key = incoming();
      await storage.put(key, bytes(3), { contentType: 'image/png' });
      await rm(keyToPath(root, key));
      expect(await storage.head(key)).toBeNull();
      expect(await storage.openForServing(key)).toBeNull();
    });
  });

  describe('openForServing', () => {
    it('streams the whole object or one range of it, and answers null when it is missing', async () => {
      const key = `public/${randomUUID()}`;
      const data = bytes(1000);
      await storage.put(key, data, { contentType: 'image/png' });
      const whole = await storage.openForServing(key);
      expect(Buffer.concat(await whole!.body!.toArray()).equals(Buffer.from(data))).toBe(true);
      const part = await storage.openForServing(key, { range: (size) => ({ start: size - 10, end: size - 1 }) });
      expect(part?.range).toEqual({ start: 990, end: 999 });
      expect(Buffer.concat(await part!.body!.toArray()).equals(Buffer.from(data.subarray(990)))).toBe(true);
      expect(await storage.openForServing(`public/${randomUUID()}`)).toBeNull();
    });
  });

  describe('receive', () => {
    it('stores exactly the declared bytes, with their type, and reports their SHA-256', async () => {
      const key = incoming();
      const data = bytes(100_000);
      const result = await storage.receive(key, streamOf(data.subarray(0, 30_000), data.subarray(30_000)), {
        contentType: 'image/png',
        size: data.byteLength,
        checksumSha256: sha256(data).toString('base64'),
      });
      expect(result).toEqual({ size: 100_000, sha256: sha256(data).toString('hex') });
      expect(await storage.head(key)).toEqual({ size: 100_000, contentType: 'image/png' });
      expect(Buffer.from((await storage.read(key, { maxBytes: 100_000 }))!.bytes).equals(Buffer.from(data))).toBe(true);
      expect(await filesUnder(join(root, '.tmp'))).toEqual([]);
    });

    it('refuses more bytes than declared as soon as they arrive, leaving nothing behind', async () => {
      const key = incoming();
      const body = new PassThrough();
      const receiving = storage.receive(key, body, { contentType: 'image/png', size: 10 });
      // The body never ends: only a refusal on arrival of the 11th byte can settle the call.
      body.write(Buffer.from(bytes(11)));
      await expect(receiving).rejects.toMatchObject({ code: 'size_mismatch' });
      expect(body.destroyed).toBe(false);
      expect(await traces(key)).toEqual([]);
      body.destroy();
    });

    it('refuses fewer bytes than declared, leaving nothing behind', async () => {
      const key = incoming();
      await expect(storage.receive(key, streamOf(bytes(9)), { contentType: 'image/png', size: 10 })).rejects.toMatchObject({
        code: 'size_mismatch',
      });
      expect(await storage.head(key)).toBeNull();
      expect(await traces(key)).toEqual([]);
    });

    it('refuses other bytes than the declared checksum, leaving nothing behind', async () => {
      const key = incoming();
      const checksumSha256 = sha256(bytes(64, 1)).toString('base64');
      await expect(storage.receive(key, streamOf(bytes(64, 2)), { contentType: 'image/png', size: 64, checksumSha256 })).rejects.toMatchObject({
        code: 'checksum_mismatch',
      });
      expect(await storage.head(key)).toBeNull();
      expect(await traces(key)).toEqual([]);
    });

    it('never replaces a received object: a second receive is already_uploaded', async () => {
      const key = incoming();
      await storage.receive(key, streamOf(bytes(32, 1)), { contentType: 'image/png', size: 32 });
      await expect(storage.receive(key, streamOf(bytes(32, 2)), { contentType: 'image/gif', size: 32 })).rejects.toMatchObject({
        code: 'already_uploaded',
      });
      expect(await storage.head(key)).toEqual({ size: 32, contentType: 'image/png' });
      expect(Buffer.from((await storage.read(key, { maxBytes: 32 }))!.bytes).equals(Buffer.from(bytes(32, 1)))).toBe(true);
      expect(await filesUnder(join(root, '.tmp'))).toEqual([]);
    });

    it('lets exactly one of two concurrent receives of a key win', async () => {
      const key = incoming();
      const a = new PassThrough();
      const b = new PassThrough();
      const results = Promise.allSettled([
        storage.receive(key, a, { contentType: 'image/png', size: 8 }),
        storage.receive(key, b, { contentType: 'image/png', size: 8 }),
      ]);
      a.end(Buffer.from(bytes(8, 1)));
      b.end(Buffer.from(bytes(8, 2)));
      const settled = await results;
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(settled.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['already_uploaded']);
      expect(await storage.head(key)).toEqual({ size: 8, contentType: 'image/png' });
      expect(await filesUnder(join(root, '.tmp'))).toEqual([]);
    });

    it('stops and leaves nothing behind when aborted mid-body', async () => {
      const key = incoming();
      const body = new PassThrough();
      const controller = new AbortController();
      const receiving = storage.receive(key, body, { contentType: 'image/png', size: 1000 }, controller.signal);
      body.write(Buffer.from(bytes(500)), () => controller.abort(new Error('client went away')));
      await expect(receiving).rejects.toThrow('client went away');
      expect(body.destroyed).toBe(true);
      expect(await storage.head(key)).toBeNull();
      expect(await traces(key)).toEqual([]);
    });

    it('refuses an invalid expectation', async () => {
      for (const size of [-1, 1.5, Number.NaN]) {
        await expect(storage.receive(incoming(), streamOf(), { contentType: 'image/png', size })).rejects.toMatchObject({ code: 'invalid_request' });
      }
    });
  });

  describe('keys', () => {
    const badKeys = [
      '',
      '../outside',
      '../../etc/passwd',
      'incoming/../../outside',
      'public/..',
      'public/.',
      './public/x',
      '/etc/passwd',
      '/tmp/outside',
      'public//x',
      'public/x/',
      'public\\..\\..\\outside',
      '..\\outside',
      'C:\\outside',
      'public/x\0',
      '%2e%2e/outside',
      '..%2Foutside',
      'public/%2e%2e%2f%2e%2e%2foutside',
      '.tmp/x',
      '.hidden',
      'public/x.',
      'public/a..b',
      'public/x@headers.json',
      'public/ü',
      'public/a b',
      `public/${'a'.repeat(129)}`,
      `public/${Array.from({ length: 120 }, () => 'abcd').join('/')}`,
    ];

    it('maps valid keys to files under the root', () => {
      expect(keyToPath(root, 'incoming/owner-1/abc')).toBe(join(root, 'incoming', 'owner-1', 'abc'));
      expect(keyToPath(root, 'public/a.b_c-D9')).toBe(join(root, 'public', 'a.b_c-D9'));
    });

    it('refuses traversal, absolute, encoded and malformed keys in every operation, writing nothing anywhere', async () => {
      const before = await filesUnder(dir);
      const good = incoming();
      await storage.put(good, bytes(4), { contentType: 'image/png' });
      for (const key of badKeys) {
        const refused = { code: 'invalid_request' };
        expect(() => keyToPath(root, key), key).toThrow();
        await expect(storage.head(key), key).rejects.toMatchObject(refused);
        await expect(storage.read(key, { maxBytes: 10 }), key).rejects.toMatchObject(refused);
        await expect(storage.put(key, bytes(4), { contentType: 'image/png' }), key).rejects.toMatchObject(refused);
        await expect(storage.copy(good, key, { contentType: 'image/png' }), key).rejects.toMatchObject(refused);
        await expect(storage.copy(key, good, { contentType: 'image/png' }), key).rejects.toMatchObject(refused);
        await expect(storage.delete(key), key).rejects.toMatchObject(refused);
        await expect(storage.receive(key, streamOf(bytes(4)), { contentType: 'image/png', size: 4 }), key).rejects.toMatchObject(refused);
        await expect(storage.openForServing(key), key).rejects.toMatchObject(refused);
      }
      const after = await filesUnder(dir);
      const added = after.filter((f) => !before.includes(f));
      expect(added.every((f) => f.startsWith('objects/incoming/'))).toBe(true);
      expect(added.sort()).toEqual([`objects/${good}`, `objects/${good}@headers.json`].sort());
    });

    it('does not follow a symlink planted at a key', async () => {
      const target = join(dir, 'outside-secret.txt');
      await writeFile(target, 'secret');
      const key = `public/${randomUUID()}`;
      await storage.put(key, bytes(1), { contentType: 'image/png' });
      await rm(keyToPath(root, key));
      await symlink(target, keyToPath(root, key));
      expect(await storage.head(key)).toBeNull();
      expect(await storage.read(key, { maxBytes: 100 })).toBeNull();
      expect(await storage.openForServing(key)).toBeNull();
    });
  });

  it('answers ping, and reports an unusable root as service_unavailable', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
    const file = join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    const broken = new DiskStorage(join(file, 'objects'));
    await expect(broken.ping()).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(broken.put('public/x', bytes(1), { contentType: 'image/png' })).rejects.toMatchObject({ code: 'service_unavailable' });
  });
});
