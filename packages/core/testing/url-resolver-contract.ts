// Contract of the UrlResolver port: public URLs serve public objects, signed URLs serve one object each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Storage, UrlResolver } from '../src/index.js';

export interface UrlResolverFixture {
  urls: UrlResolver;
  storage: Storage;
  /** True when the store refuses unsigned reads of private keys (test servers may serve anyone). */
  enforcesPrivacy: boolean;
  close?: () => Promise<void>;
}

const body = () => new Uint8Array(300).map((_, i) => (i * 13) % 256);

export function describeUrlResolverContract(name: string, setup: () => Promise<UrlResolverFixture>): void {
  describe(`UrlResolver contract: ${name}`, () => {
    let fixture: UrlResolverFixture;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('serves a public object at its public URL with its type', async () => {
      const key = `public/${randomUUID()}`;
      await fixture.storage.put(key, body(), { contentType: 'image/webp' });
      const response = await fetch(fixture.urls.publicUrl(key));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(body()))).toBe(true);
    });

    it('serves a private object through its signed URL, and that URL only for that object', async () => {
      const key = `private/${randomUUID()}`;
      const other = `private/${randomUUID()}`;
      await fixture.storage.put(key, body(), { contentType: 'image/png' });
      await fixture.storage.put(other, body(), { contentType: 'image/png' });
      const url = await fixture.urls.signedUrl(key, { expiresInSeconds: 60, contentType: 'image/png', filename: 'a.png' });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(body()))).toBe(true);
      if (fixture.enforcesPrivacy) {
        expect((await fetch(url.split('?')[0]!)).status).toBe(403);
        expect((await fetch(url.replace(key, other))).status).toBe(403);
      }
    });
  });
}
