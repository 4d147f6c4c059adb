// Contract of the DirectUploadSigner port, end to end: the signed request stores exactly the signed object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import type { DirectUploadSigner, Storage } from '../src/index.js';

export interface DirectUploadFixture {
  signer: DirectUploadSigner;
  storage: Storage;
  /**
   * True when the target itself refuses bytes that differ from what was signed (the embedded disk
   * endpoint, real S3). Test servers that check no signatures set it false; `complete` still
   * verifies the bytes there.
   */
  enforcesSignature: boolean;
  close?: () => Promise<void>;
}

const body = (n: number) => new Uint8Array(n).map((_, i) => (i * 7 + 3) % 256);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

export function describeDirectUploadContract(name: string, setup: () => Promise<DirectUploadFixture>): void {
  describe(`DirectUploadSigner contract: ${name}`, () => {
    let fixture: DirectUploadFixture;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    const sign = (data: Uint8Array, extra: { checksum?: boolean; expiresAt?: Date } = {}) => {
      const key = `incoming/owner-1/${randomUUID()}`;
      return fixture.signer
        .sign({
          uploadId: key.split('/').at(-1)!,
          key,
          contentType: 'image/png',
          size: data.byteLength,
          ...(extra.checksum ? { checksumSha256: sha256(data) } : {}),
          expiresAt: extra.expiresAt ?? new Date(Date.now() + 60_000),
        })
        .then((target) => ({ key, target }));
    };

    it('answers a PUT target whose exact request stores the object', async () => {
      const data = body(2048);
      const { key, target } = await sign(data, { checksum: true });
      expect(target.method).toBe('PUT');
      expect(target.headers['content-type'] ?? target.headers['Content-Type']).toBe('image/png');
      const response = await fetch(target.url, { method: target.method, headers: target.headers, body: data });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      expect(await fixture.storage.head(key)).toEqual({ size: 2048, contentType: 'image/png' });
      const stored = await fixture.storage.read(key, { maxBytes: 4096 });
      expect(Buffer.from(stored!.bytes).equals(Buffer.from(data))).toBe(true);
    });

    it('refuses other types, lengths, checksums and tampered or expired URLs when it checks signatures', async (ctx) => {
      if (!fixture.enforcesSignature) ctx.skip();
      const data = body(1024);
      const attempts: Array<[string, () => Promise<Response>]> = [];
      {
        const { target } = await sign(data);
        attempts.push(['other type', () => fetch(target.url, { method: 'PUT', headers: { ...target.headers, 'content-type': 'text/html' }, body: data })]);
      }
      {
        const { target } = await sign(data);
        attempts.push(['other length', () => fetch(target.url, { method: 'PUT', headers: target.headers, body: body(1000) })]);
      }
      {
        const { target } = await sign(data, { checksum: true });
        const other = body(1024).reverse();
        attempts.push(['other bytes', () => fetch(target.url, { method: 'PUT', headers: target.headers, body: other })]);
      }
      {
        const { target } = await sign(data);
        const url = new URL(target.url);
        url.pathname = url.pathname.replace(/[0-9a-f]{4}$/, 'ffff');
        const tampered = url.toString() === target.url ? `${target.url}x` : url.toString();
        attempts.push(['tampered URL', () => fetch(tampered, { method: 'PUT', headers: target.headers, body: data })]);
      }
      {
        const { target } = await sign(data, { expiresAt: new Date(Date.now() - 1000) });
        attempts.push(['expired URL', () => fetch(target.url, { method: 'PUT', headers: target.headers, body: data })]);
      }
      for (const [label, attempt] of attempts) {
        const response = await attempt();
        expect(response.status, label).toBeGreaterThanOrEqual(400);
        expect(response.status, label).toBeLessThan(500);
      }
    });
  });
}
