import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { describeDirectUploadContract, describeUrlResolverContract } from '@direct-upload/core/testing';
import { DiskStorage } from '../adapters/disk/disk-storage.js';
import { DiskTokens, type UploadTokenClaims } from '../adapters/disk/disk-tokens.js';
import { DiskUploadSigner } from '../adapters/disk/disk-upload-signer.js';
import { DiskUrlResolver } from '../adapters/disk/disk-url-resolver.js';
import { diskRoutes } from './disk-routes.js';
import { registerErrorHandler } from './error-handler.js';

interface Harness {
  dir: string;
  root: string;
  base: string;
  port: number;
  storage: DiskStorage;
  tokens: DiskTokens;
  signer: DiskUploadSigner;
  urls: DiskUrlResolver;
  /** Upload ids that no longer accept bytes. */
  closed: Set<string>;
  close: () => Promise<void>;
}

/** The JSON API's limit in this app; uploads far larger must still pass. */
const API_BODY_LIMIT = 1024;

async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'disk-routes-'));
  const root = join(dir, 'objects');
  const storage = new DiskStorage(root);
  const tokens = new DiskTokens(randomBytes(32));
  const closed = new Set<string>();
  const app: FastifyInstance = Fastify({ bodyLimit: API_BODY_LIMIT });
  registerErrorHandler(app);
  app.post('/api/echo', async (request) => request.body);
  await app.register(diskRoutes, { storage, tokens, acceptsBytes: async (id) => !closed.has(id) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    dir,
    root,
    base,
    port,
    storage,
    tokens,
    signer: new DiskUploadSigner({ publicUrl: base, tokens }),
    urls: new DiskUrlResolver({ publicUrl: base, tokens }),
    closed,
    close: async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const body = (n: number, seed = 3) => new Uint8Array(n).map((_, i) => (i * 7 + seed) % 256);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

async function errorCode(response: Response): Promise<string | undefined> {
  const json = (await response.json()) as { error?: { code?: string; message?: string } };
  expect(typeof json.error?.message).toBe('string');
  return json.error?.code;
}

/** Sends raw bytes on a fresh connection and reads the whole answer. */
function rawRequest(port: number, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const response = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      resolve({ status, body: response.slice(response.indexOf('\r\n\r\n') + 4) });
    });
    socket.end(text);
  });
}

describeDirectUploadContract('DiskUploadSigner with the disk routes', async () => {
  const harness = await startHarness();
  return { signer: harness.signer, storage: harness.storage, enforcesSignature: true, close: harness.close };
});

describeUrlResolverContract('DiskUrlResolver with the disk routes', async () => {
  const harness = await startHarness();
  return { urls: harness.urls, storage: harness.storage, enforcesPrivacy: true, close: harness.close };
});

describe('disk routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const newUpload = async (data: Uint8Array, extra: Partial<{ checksum: boolean; contentType: string; expiresAt: Date }> = {}) => {
    const uploadId = randomUUID();
    const key = `incoming/owner-1/${uploadId}`;
    const contentType = extra.contentType ?? 'image/png';
    const target = await h.signer.sign({
      uploadId,
      key,
      contentType,
      size: data.byteLength,
      ...(extra.checksum ? { checksumSha256: sha256(data).toString('base64') } : {}),
      expiresAt: extra.expiresAt ?? new Date(Date.now() + 60_000),
    });
    const put = (init: { headers?: Record<string, string>; body?: Uint8Array; url?: string } = {}) =>
      fetch(init.url ?? target.url, { method: 'PUT', headers: init.headers ?? target.headers, body: (init.body ?? data) as Uint8Array<ArrayBuffer> });
    return { uploadId, key, contentType, target, put };
  };

  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

  describe('PUT /storage/upload/*', () => {
    it('stores the body and answers 200 with an empty body and the SHA-256 as ETag', async () => {
      const data = body(4096);
      const upload = await newUpload(data, { checksum: true });
      const response = await upload.put();
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
      expect(response.headers.get('etag')).toBe(`"${sha256(data).toString('hex')}"`);
      expect(await h.storage.head(upload.key)).toEqual({ size: 4096, contentType: 'image/png' });
    });

    it('is not bound by the JSON API body limit, nor parsed whatever the type', async () => {
      const big = body(64 * 1024);
      const tooBigForApi = await fetch(`${h.base}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(2000) }) });
      expect(tooBigForApi.status).toBe(413);
      const upload = await newUpload(big);
      expect((await upload.put()).status).toBe(200);
      expect(await h.storage.head(upload.key)).toEqual({ size: big.byteLength, contentType: 'image/png' });

      const json = new TextEncoder().encode('{"not": "parsed"');
      const jsonUpload = await newUpload(json, { contentType: 'application/json' });
      expect((await jsonUpload.put()).status).toBe(200);
      expect(Buffer.from((await h.storage.read(jsonUpload.key, { maxBytes: 100 }))!.bytes).toString()).toBe('{"not": "parsed"');
    });

    it('refuses a missing, malformed or forged token with 403 invalid_upload_token', async () => {
      const data = body(100);
      const upload = await newUpload(data);
      const url = new URL(upload.target.url);
      const foreign = await new DiskUploadSigner({ publicUrl: h.base, tokens: new DiskTokens(randomBytes(32)) }).sign({
        uploadId: upload.uploadId,
        key: upload.key,
        contentType: 'image/png',
        size: 100,
        expiresAt: new Date(Date.now() + 60_000),
      });
      const readToken = h.tokens.signRead({ key: upload.key, exp: Math.floor(Date.now() / 1000) + 60 });
      const attempts = [
        `${url.origin}${url.pathname}`,
        `${url.origin}${url.pathname}?token=`,
        `${url.origin}${url.pathname}?token=garbage`,
        `${url.origin}${url.pathname}?token=${tokenOf(upload.target.url)}x`,
        `${url.origin}${url.pathname}?token=${tokenOf(upload.target.url)}&token=${tokenOf(upload.target.url)}`,
        foreign.url,
        `${url.origin}${url.pathname}?token=${readToken}`,
      ];
      for (const attempt of attempts) {
        const response = await upload.put({ url: attempt });
        expect(response.status, attempt).toBe(403);
        expect(await errorCode(response), attempt).toBe('invalid_upload_token');
      }
      expect(await h.storage.head(upload.key)).toBeNull();
    });

    it('answers a refusal even while a large body is still being sent', async () => {
      const upload = await newUpload(body(10));
      const response = await upload.put({ url: `${h.base}/storage/upload/${upload.key}?token=forged`, body: new Uint8Array(8 * 1024 * 1024) });
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe('invalid_upload_token');
    });

    it('refuses an expired URL with 403 upload_url_expired', async () => {
      const upload = await newUpload(body(10), { expiresAt: new Date(Date.now() - 1000) });
      const response = await upload.put();
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe('upload_url_expired');
      expect(await h.storage.head(upload.key)).toBeNull();
    });

    it('refuses a token used for another key with 403 invalid_upload_token', async () => {
      const upload = await newUpload(body(10));
      const other = `incoming/owner-1/${randomUUID()}`;
      const response = await upload.put({ url: `${h.base}/storage/upload/${other}?token=${tokenOf(upload.target.url)}` });
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe('invalid_upload_token');
      expect(await h.storage.head(other)).toBeNull();
    });

    it('refuses another or a missing Content-Type with 403 invalid_upload_token', async () => {
      const upload = await newUpload(body(10));
      for (const headers of [{ 'content-type': 'text/html' }, { 'content-type': 'image/png; charset=utf-8' }, { 'content-type': 'image/jpeg' }]) {
        const response = await upload.put({ headers });
        expect(response.status, headers['content-type']).toBe(403);
        expect(await errorCode(response)).toBe('invalid_upload_token');
      }
      const path = new URL(upload.target.url).pathname + new URL(upload.target.url).search;
      const raw = await rawRequest(h.port, `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n${'x'.repeat(10)}`);
      expect(raw.status).toBe(403);
      expect(JSON.parse(raw.body).error.code).toBe('invalid_upload_token');
      expect(await h.storage.head(upload.key)).toBeNull();
    });

    it('refuses a body without Content-Length (chunked or none) with 400 invalid_request', async () => {
      const data = body(10);
      const upload = await newUpload(data);
      const chunked = await fetch(upload.target.url, {
        method: 'PUT',
        headers: upload.target.headers,
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(data);
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(400);
      expect(await errorCode(chunked)).toBe('invalid_request');

      const path = new URL(upload.target.url).pathname + new URL(upload.target.url).search;
      const none = await rawRequest(h.port, `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n`);
      expect(none.status).toBe(400);
      expect(JSON.parse(none.body).error.code).toBe('invalid_request');
      expect(await h.storage.head(upload.key)).toBeNull();
    });

    it('refuses another length with 422 size_mismatch', async () => {
      const upload = await newUpload(body(100));
      for (const other of [body(99), body(101)]) {
        const response = await upload.put({ body: other });
        expect(response.status).toBe(422);
        expect(await errorCode(response)).toBe('size_mismatch');
      }
      expect(await h.storage.head(upload.key)).toBeNull();
    });

    it('refuses other bytes than the signed checksum with 422 checksum_mismatch, keeping nothing', async () => {
      const upload = await newUpload(body(100), { checksum: true });
      const response = await upload.put({ body: body(100, 4) });
      expect(response.status).toBe(422);
      expect(await errorCode(response)).toBe('checksum_mismatch');
      expect(await h.storage.head(upload.key)).toBeNull();
      expect(await filesUnder(join(h.root, '.tmp'))).toEqual([]);
    });

    it('refuses bytes for an upload that no longer accepts them with 409 upload_not_pending', async () => {
      const upload = await newUpload(body(10));
      h.closed.add(upload.uploadId);
      const response = await upload.put();
      expect(response.status).toBe(409);
      expect(await errorCode(response)).toBe('upload_not_pending');
      expect(await h.storage.head(upload.key)).toBeNull();
    });

    it('refuses a replay over a finished upload with 409 already_uploaded, keeping the first bytes', async () => {
      const first = body(50, 1);
      const upload = await newUpload(first);
      expect((await upload.put()).status).toBe(200);
      for (const replay of [first, body(50, 2)]) {
        const response = await upload.put({ body: replay });
        expect(response.status).toBe(409);
        expect(await errorCode(response)).toBe('already_uploaded');
      }
      expect(Buffer.from((await h.storage.read(upload.key, { maxBytes: 50 }))!.bytes).equals(Buffer.from(first))).toBe(true);
    });

    it('drops a body cut off by a disconnect, leaving nothing, so the same URL can still be used', async () => {
      const data = body(256 * 1024);
      const upload = await newUpload(data);
      const url = new URL(upload.target.url);
      const socket = connect(h.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: ${data.byteLength}\r\n\r\n`);
      socket.write(Buffer.from(data.subarray(0, 100 * 1024)));
      const tmp = join(h.root, '.tmp');
      // The server is receiving once its temporary file exists; then the client goes away.
      await vi.waitFor(async () => expect((await filesUnder(tmp)).length).toBeGreaterThan(0), { timeout: 10_000 });
      socket.destroy();
      await vi.waitFor(async () => expect(await filesUnder(tmp)).toEqual([]), { timeout: 10_000 });
      expect(await h.storage.head(upload.key)).toBeNull();

      const retry = await upload.put();
      expect(retry.status).toBe(200);
      expect(Buffer.from((await h.storage.read(upload.key, { maxBytes: data.byteLength }))!.bytes).equals(Buffer.from(data))).toBe(true);
    });

    it('refuses traversal in the upload path and never writes outside the root', async () => {
      const sentinel = join(h.dir, 'outside.txt');
      await writeFile(sentinel, 'untouched');
      const before = (await filesUnder(h.dir)).filter((f) => !f.startsWith('objects/'));
      const data = body(10);
      const upload = await newUpload(data);
      const token = tokenOf(upload.target.url);
      for (const path of ['..%2F..%2Fevil', '..%2Foutside.txt', 'incoming%2F..%2F..%2Foutside.txt', '%2e%2e%2foutside.txt']) {
        const response = await upload.put({ url: `${h.base}/storage/upload/${path}?token=${token}` });
        expect(response.status, path).toBe(403);
        expect(await errorCode(response)).toBe('invalid_upload_token');
      }
      // Even a token issued for a traversing key (a signer bug) cannot write outside the root.
      for (const key of ['../outside.txt', '../../evil', 'public/../../outside.txt']) {
        const claims: UploadTokenClaims = { uploadId: randomUUID(), key, contentType: 'image/png', size: 10, exp: Math.floor(Date.now() / 1000) + 60 };
        const forged = h.tokens.signUpload(claims);
        const response = await fetch(`${h.base}/storage/upload/${encodeURIComponent(key)}?token=${forged}`, {
          method: 'PUT',
          headers: { 'content-type': 'image/png' },
          body: data,
        });
        expect(response.status, key).toBe(400);
        expect(await errorCode(response)).toBe('invalid_request');
      }
      const raw = await rawRequest(
        h.port,
        `PUT /storage/upload/../outside.txt?token=${token} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 10\r\nConnection: close\r\n\r\n${'x'.repeat(10)}`,
      );
      expect(raw.status).toBeGreaterThanOrEqual(400);
      expect(raw.status).toBeLessThan(500);
      expect((await filesUnder(h.dir)).filter((f) => !f.startsWith('objects/'))).toEqual(before);
      expect(existsSync(join(h.dir, '..', 'evil'))).toBe(false);
      expect(await readFile(sentinel, 'utf8')).toBe('untouched');
    });
  });

  describe('GET and HEAD /files/*', () => {
    const PUBLIC_CACHE = 'public, max-age=31536000, immutable';

    const promote = async (visibility: 'public' | 'private', data: Uint8Array, headers: { cacheControl?: string; contentDisposition?: string } = {}) => {
      const upload = await newUpload(data);
      expect((await upload.put()).status).toBe(200);
      const key = `${visibility}/${upload.uploadId}`;
      await h.storage.copy(upload.key, key, { contentType: 'image/png', ...headers });
      return key;
    };

    it('serves public objects freely, with their stored headers and defensive ones', async () => {
      const data = body(3000);
      const key = await promote('public', data, { cacheControl: PUBLIC_CACHE, contentDisposition: 'inline; filename="cat.png"' });
      const response = await fetch(h.urls.publicUrl(key));
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
      expect(Object.fromEntries([...response.headers].filter(([name]) => name !== 'date' && name !== 'connection' && name !== 'keep-alive'))).toEqual({
        'content-type': 'image/png',
        'content-length': '3000',
        'x-content-type-options': 'nosniff',
        'cache-control': PUBLIC_CACHE,
        'content-disposition': 'inline; filename="cat.png"',
        'content-security-policy': "default-src 'none'; sandbox",
        'cross-origin-resource-policy': 'cross-origin',
        'accept-ranges': 'bytes',
      });
    });

    it('caches public objects for long when no Cache-Control was stored', async () => {
      const key = await promote('public', body(10));
      const response = await fetch(h.urls.publicUrl(key));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe(PUBLIC_CACHE);
      expect(response.headers.get('content-disposition')).toBeNull();
    });

    it('answers HEAD with the headers and no body, and serves one byte range', async () => {
      const data = body(1000);
      const key = await promote('public', data);
      const head = await fetch(h.urls.publicUrl(key), { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('1000');
      expect(head.headers.get('content-type')).toBe('image/png');
      expect(head.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await head.text()).toBe('');

      const part = await fetch(h.urls.publicUrl(key), { headers: { range: 'bytes=10-19' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 10-19/1000');
      expect(part.headers.get('content-length')).toBe('10');
      expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(data.subarray(10, 20)))).toBe(true);

      const several = await fetch(h.urls.publicUrl(key), { headers: { range: 'bytes=0-1,5-6' } });
      expect(several.status).toBe(200);
      expect((await several.arrayBuffer()).byteLength).toBe(1000);
    });

    it('answers 404 not_found for a missing object', async () => {
      const response = await fetch(`${h.base}/files/public/${randomUUID()}`);
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('not_found');
    });

    it('serves private objects only with a valid, unexpired read token for that key', async () => {
      const data = body(500);
      const key = await promote('private', data, { cacheControl: 'private, max-age=300' });
      const other = await promote('private', body(5));
      const plain = `${h.base}/files/${key}`;
      const exp = Math.floor(Date.now() / 1000) + 60;
      const uploadToken = h.tokens.signUpload({ uploadId: 'x', key, contentType: 'image/png', size: 500, exp });
      const refusals: Array<[string, string]> = [
        [plain, 'invalid_upload_token'],
        [`${plain}?token=garbage`, 'invalid_upload_token'],
        [`${plain}?token=${h.tokens.signRead({ key: other, exp })}`, 'invalid_upload_token'],
        [`${plain}?token=${uploadToken}`, 'invalid_upload_token'],
        [`${plain}?token=${new DiskTokens(randomBytes(32)).signRead({ key, exp })}`, 'invalid_upload_token'],
        [`${plain}?token=${h.tokens.signRead({ key, exp: Math.floor(Date.now() / 1000) - 10 })}`, 'upload_url_expired'],
      ];
      for (const [url, code] of refusals) {
        for (const method of ['GET', 'HEAD']) {
          const response = await fetch(url, { method });
          expect(response.status, `${method} ${url}`).toBe(403);
          if (method === 'GET') expect(await errorCode(response)).toBe(code);
        }
      }

      const signed = await h.urls.signedUrl(key, { expiresInSeconds: 60, contentType: 'image/png', filename: 'a.png' });
      const response = await fetch(signed);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
      expect(response.headers.get('cache-control')).toBe('private, max-age=300');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");

      const missing = `private/${randomUUID()}`;
      const gone = await fetch(await h.urls.signedUrl(missing, { expiresInSeconds: 60, contentType: 'image/png', filename: 'a.png' }));
      expect(gone.status).toBe(404);
      expect(await errorCode(gone)).toBe('not_found');
    });

    it('never lets a private object be cached by shared caches, whatever was stored', async () => {
      const key = await promote('private', body(5), { cacheControl: 'public, max-age=60' });
      const response = await fetch(await h.urls.signedUrl(key, { expiresInSeconds: 60, contentType: 'image/png', filename: 'a.png' }));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toMatch(/^private/);
    });

    it('never serves quarantined incoming/ objects, even with a read token', async () => {
      const data = body(20);
      const upload = await newUpload(data);
      expect((await upload.put()).status).toBe(200);
      const exp = Math.floor(Date.now() / 1000) + 60;
      for (const url of [`${h.base}/files/${upload.key}`, `${h.base}/files/${upload.key}?token=${h.tokens.signRead({ key: upload.key, exp })}`]) {
        const response = await fetch(url);
        expect(response.status).toBe(404);
        expect(await errorCode(response)).toBe('not_found');
      }
    });

    it('answers traversal attempts with 4xx and never serves a file outside the root', async () => {
      await writeFile(join(h.dir, 'secret.txt'), 'top secret');
      for (const path of ['..%2Fsecret.txt', 'public%2F..%2F..%2Fsecret.txt', '..%2F..%2Fetc%2Fpasswd', 'public/..%2F..%2Fsecret.txt', '%2e%2e%2fsecret.txt', 'public/%00', 'public\\..\\..\\secret.txt']) {
        const response = await fetch(`${h.base}/files/${path}`);
        expect(response.status, path).toBeGreaterThanOrEqual(400);
        expect(response.status, path).toBeLessThan(500);
        expect(await response.text()).not.toContain('top secret');
      }
      for (const path of ['/files/../secret.txt', '/files/public/../../secret.txt', '/files/../../etc/passwd']) {
        const raw = await rawRequest(h.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(raw.status, path).toBeGreaterThanOrEqual(400);
        expect(raw.status, path).toBeLessThan(500);
        expect(raw.body).not.toContain('top secret');
        expect(raw.body).not.toContain('root:');
      }
    });
  });
});
