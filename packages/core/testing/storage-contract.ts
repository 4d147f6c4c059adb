// Contract of the Storage port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Storage } from '../src/index.js';

export interface StorageFixture {
  storage: Storage;
  close?: () => Promise<void>;
}

const bytes = (text: string) => new TextEncoder().encode(text);

export function describeStorageContract(name: string, setup: () => Promise<StorageFixture>): void {
  describe(`Storage contract: ${name}`, () => {
    let fixture: StorageFixture;
    let storage: Storage;
    const key = (prefix = 'incoming/owner-1') => `${prefix}/${randomUUID()}`;

    beforeAll(async () => {
      fixture = await setup();
      storage = fixture.storage;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('answers null for a missing object', async () => {
      expect(await storage.head(key())).toBeNull();
      expect(await storage.read(key(), { maxBytes: 100 })).toBeNull();
    });

    it('stores bytes with their type and reads them back', async () => {
      const k = key();
      await storage.put(k, bytes('hello world'), { contentType: 'image/png' });
      expect(await storage.head(k)).toEqual({ size: 11, contentType: 'image/png' });
      const read = await storage.read(k, { maxBytes: 11 });
      // One read tells what a HEAD would, so verifying an upload needs no HEAD before it.
      expect({ size: read?.size, contentType: read?.contentType }).toEqual({ size: 11, contentType: 'image/png' });
      expect(Buffer.from(read!.bytes).toString()).toBe('hello world');
    });

    it('refuses to buffer more than maxBytes', async () => {
      const k = key();
      await storage.put(k, bytes('0123456789'), { contentType: 'image/png' });
      await expect(storage.read(k, { maxBytes: 9 })).rejects.toMatchObject({ code: 'file_too_large' });
    });

    it('replaces an object on put', async () => {
      const k = key();
      await storage.put(k, bytes('first'), { contentType: 'image/png' });
      await storage.put(k, bytes('second!'), { contentType: 'image/gif' });
      expect(await storage.head(k)).toEqual({ size: 7, contentType: 'image/gif' });
      expect(await storage.read(k, { maxBytes: 7 })).toMatchObject({ size: 7, contentType: 'image/gif' });
    });

    it('copies an object to a new key with new headers, keeping the source', async () => {
      const from = key();
      const to = key('public');
      await storage.put(from, bytes('payload'), { contentType: 'application/octet-stream' });
      await storage.copy(from, to, { contentType: 'image/webp', cacheControl: 'public, max-age=60' });
      expect(await storage.head(to)).toEqual({ size: 7, contentType: 'image/webp' });
      expect(Buffer.from((await storage.read(to, { maxBytes: 100 }))!.bytes).toString()).toBe('payload');
      expect(await storage.head(from)).not.toBeNull();
    });

    it('fails to copy a missing object', async () => {
      await expect(storage.copy(key(), key('public'), { contentType: 'image/png' })).rejects.toThrow();
    });

    it('deletes objects, and deleting a missing one is not an error', async () => {
      const k = key();
      await storage.put(k, bytes('x'), { contentType: 'image/png' });
      await storage.delete(k);
      expect(await storage.head(k)).toBeNull();
      await expect(storage.delete(k)).resolves.toBeUndefined();
    });

    it('keeps binary content intact', async () => {
      const k = key();
      const body = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
      await storage.put(k, body, { contentType: 'image/jpeg' });
      expect(Buffer.from((await storage.read(k, { maxBytes: body.length }))!.bytes).equals(Buffer.from(body))).toBe(true);
    });

    it('answers ping when reachable', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });
  });
}
