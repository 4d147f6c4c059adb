// Every status code of the API over real HTTP, on the embedded defaults.
import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { RunningServer } from '../src/start-server.js';
import { useTestServers } from './test-servers.js';
import { Browser, send } from './http-client.js';
import { htmlBytes, pngBytes, pngPixelBomb, truncated } from './fixtures/images.js';

const start = useTestServers('du-api');

const expectError = (reply: { status: number; body: any }, status: number, code: string) => {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(typeof reply.body.error.message).toBe('string');
};

describe('HTTP API status codes (disk store, anonymous mode)', () => {
  let server: RunningServer;
  let png: Uint8Array;
  beforeAll(async () => {
    server = await start({ UPLOAD_MAX_BYTES: '200000', UPLOAD_MAX_PIXELS: '1000000' });
    png = await pngBytes(40, 30);
  });

  it('200 /healthz and /readyz, 200 /api/config with the limits', async () => {
    const b = new Browser(server.url);
    expect((await b.request('GET', '/healthz')).status).toBe(200);
    expect(await b.request('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: true, storage: true } } });
    expect((await b.request('GET', '/api/config')).body).toEqual({
      allowedTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'],
      maxBytes: 200000,
      defaultVisibility: 'public',
      checksum: 'sha256',
    });
  });

  it('gives each browser a signed, HttpOnly, SameSite=Lax session cookie', async () => {
    const reply = await new Browser(server.url).request('GET', '/api/images');
    const cookie = reply.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^du_session=[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('201 create, 200 complete, idempotent repeat', async () => {
    const b = new Browser(server.url);
    const { created, put, complete } = await b.upload(png, { contentType: 'image/png', filename: 'a.png', checksum: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ upload: { status: 'pending' }, target: { method: 'PUT' } });
    expect(put.status).toBe(200);
    expect(complete.status).toBe(200);
    expect(complete.body.image).toMatchObject({ id: created.body.upload.id, status: 'ready', width: 40, height: 30, size: png.length });
    const again = await b.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
    expect(again).toMatchObject({ status: 200, body: complete.body });
  });

  const malformed: Array<[string, unknown]> = [
    ['no body fields', {}],
    ['size 0', { filename: 'a.png', contentType: 'image/png', size: 0 }],
    ['negative size', { filename: 'a.png', contentType: 'image/png', size: -5 }],
    ['fractional size', { filename: 'a.png', contentType: 'image/png', size: 1.5 }],
    ['size as a string', { filename: 'a.png', contentType: 'image/png', size: '100' }],
    ['empty filename', { filename: '', contentType: 'image/png', size: 10 }],
    ['a 10 KB filename', { filename: 'a'.repeat(10_000), contentType: 'image/png', size: 10 }],
    ['a bad checksum', { filename: 'a.png', contentType: 'image/png', size: 10, checksum: { algorithm: 'sha256', value: 'abc' } }],
    ['an md5 checksum', { filename: 'a.png', contentType: 'image/png', size: 10, checksum: { algorithm: 'md5', value: 'abc' } }],
    ['a bad visibility', { filename: 'a.png', contentType: 'image/png', size: 10, visibility: 'world' }],
    ['non-string metadata', { filename: 'a.png', contentType: 'image/png', size: 10, metadata: { a: 1 } }],
  ];
  for (const [label, body] of malformed) {
    it(`400 for ${label}`, async () => {
      expectError(await new Browser(server.url).request('POST', '/api/uploads', body), 400, 'invalid_request');
    });
  }

  it('400 for malformed JSON, a bad cursor and a bad limit', async () => {
    const b = new Browser(server.url);
    expectError(await b.request('POST', '/api/uploads', '{"filename":'), 400, 'invalid_request');
    expectError(await b.request('GET', '/api/images?cursor=%%%'), 400, 'invalid_request');
    expectError(await b.request('GET', '/api/images?limit=0'), 400, 'invalid_request');
    expectError(await b.request('GET', '/api/images?limit=1000'), 400, 'invalid_request');
  });

  it('ignores fields the client may not choose', async () => {
    const b = new Browser(server.url);
    const reply = await b.request('POST', '/api/uploads', {
      filename: 'a.png', contentType: 'image/png', size: png.length, key: 'public/mine', bucket: 'x', acl: 'public-read',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.target.url).toMatch(/\/storage\/upload\/incoming\/[^/]+\/[0-9a-f-]{36}\?/);
    expect(reply.body.target.url).not.toContain('public/mine');
  });

  it('404 for unknown ids, malformed ids, unknown routes and other owners\' uploads and images', async () => {
    const alice = new Browser(server.url);
    const mallory = new Browser(server.url);
    const { created } = await alice.upload(png, { contentType: 'image/png' });
    const id = created.body.upload.id;
    expectError(await mallory.request('POST', `/api/uploads/${id}/complete`), 404, 'not_found');
    expectError(await mallory.request('GET', `/api/images/${id}`), 404, 'not_found');
    expectError(await mallory.request('DELETE', `/api/images/${id}`), 404, 'not_found');
    expect((await mallory.request('GET', '/api/images')).body.images).toEqual([]);
    expectError(await alice.request('GET', `/api/images/${crypto.randomUUID()}`), 404, 'not_found');
    expectError(await alice.request('GET', '/api/images/../../etc/passwd'), 404, 'not_found');
    expectError(await alice.request('POST', '/api/uploads/not-an-id/complete'), 404, 'not_found');
    expectError(await alice.request('GET', '/api/nothing-here'), 404, 'not_found');
  });

  it('marks every answer nosniff and API answers no-store, errors included', async () => {
    const b = new Browser(server.url);
    for (const [method, path, status] of [
      ['GET', '/api/config', 200],
      ['GET', '/api/nothing-here', 404],
      ['POST', '/api/uploads/not-an-id/complete', 404],
      ['GET', '/healthz', 200],
    ] as const) {
      const reply = await b.request(method, path);
      expect(reply.status).toBe(status);
      expect(reply.headers.get('x-content-type-options'), path).toBe('nosniff');
      if (path.startsWith('/api/')) expect(reply.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('409 when completing before the bytes arrived, then 200 once they have', async () => {
    const b = new Browser(server.url);
    const created = await b.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: png.length });
    expectError(await b.request('POST', `/api/uploads/${created.body.upload.id}/complete`), 409, 'not_uploaded');
    expect((await send(created.body.target, png)).status).toBe(200);
    expect((await b.request('POST', `/api/uploads/${created.body.upload.id}/complete`)).status).toBe(200);
  });

  it('413 for a declared size over the cap and for a JSON body over the limit', async () => {
    const b = new Browser(server.url);
    expectError(await b.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: 200_001 }), 413, 'file_too_large');
    const huge = { filename: 'a.png', contentType: 'image/png', size: 10, metadata: { a: 'x'.repeat(100_000) } };
    expectError(await b.request('POST', '/api/uploads', huge), 413, 'body_too_large');
  });

  it('415 for types outside the allow-list and for non-JSON bodies', async () => {
    const b = new Browser(server.url);
    for (const contentType of ['image/svg+xml', 'text/html', 'application/octet-stream', 'image/tiff']) {
      expectError(await b.request('POST', '/api/uploads', { filename: 'a', contentType, size: 10 }), 415, 'unsupported_type');
    }
    expectError(
      await b.request('POST', '/api/uploads', 'filename=a.png', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
  });

  it('422 for bytes that are not the declared image, truncated images and pixel bombs; the bytes are deleted', async () => {
    const b = new Browser(server.url);
    const cases: Array<[Uint8Array, string]> = [
      [htmlBytes(), 'type_mismatch'],
      [await pngBytes(10, 10).then((p) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), p.subarray(4)])), 'type_mismatch'],
      [truncated(await pngBytes(300, 300)), 'invalid_image'],
      [await pngPixelBomb(20_000, 20_000), 'image_too_large'],
    ];
    for (const [bytes, code] of cases) {
      const { complete, created } = await b.upload(bytes, { contentType: 'image/png' });
      expectError(complete, 422, code);
      expectError(await b.request('POST', `/api/uploads/${created.body.upload.id}/complete`), 422, code);
    }
    expect((await b.request('GET', '/api/images')).body.images).toEqual([]);
  });

  it('concurrent completes produce exactly one image', async () => {
    const b = new Browser(server.url);
    const created = await b.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: png.length });
    await send(created.body.target, png);
    const replies = await Promise.all(Array.from({ length: 6 }, () => b.request('POST', `/api/uploads/${created.body.upload.id}/complete`)));
    for (const r of replies) expect([200, 409]).toContain(r.status);
    const ok = replies.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    for (const r of ok) expect(r.body.image.id).toBe(created.body.upload.id);
    const listed = (await b.request('GET', '/api/images')).body.images.filter((i: any) => i.id === created.body.upload.id);
    expect(listed).toHaveLength(1);
  });
});

describe('HTTP API status codes that need their own configuration', () => {
  it('401 without or with bad credentials in jwt mode; 201 with a valid token', async () => {
    const secret = 'jwt-secret-for-tests-0123456789abcdef';
    const server = await start({ AUTH_MODE: 'jwt', AUTH_JWT_SECRET: secret });
    const key = new TextEncoder().encode(secret);
    const valid = await new SignJWT({ sub: 'user-1' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key);
    const expired = await new SignJWT({ sub: 'user-1' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(key);
    const body = { filename: 'a.png', contentType: 'image/png', size: 10 };
    expectError(await new Browser(server.url).request('POST', '/api/uploads', body), 401, 'unauthorized');
    for (const token of ['garbage', expired]) {
      expectError(await new Browser(server.url, { authorization: `Bearer ${token}` }).request('POST', '/api/uploads', body), 401, 'unauthorized');
      expectError(await new Browser(server.url, { authorization: `Bearer ${token}` }).request('GET', '/api/images'), 401, 'unauthorized');
    }
    const ok = await new Browser(server.url, { authorization: `Bearer ${valid}` }).request('POST', '/api/uploads', body);
    expect(ok.status).toBe(201);
    expect(ok.body.target.url).toContain('/incoming/user-1/');
  });

  it('410 once an upload has expired, and the upload URL refuses late bytes with 403', async () => {
    const server = await start({ UPLOAD_URL_TTL_SECONDS: '1', UPLOAD_COMPLETE_GRACE_SECONDS: '0' });
    const png = await pngBytes(5, 5);
    const b = new Browser(server.url);
    const created = await b.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: png.length });
    await new Promise((r) => setTimeout(r, 2100));
    const late = await send(created.body.target, png);
    expect(late.status).toBe(403);
    expect(JSON.parse(late.body).error.code).toBe('upload_url_expired');
    expectError(await b.request('POST', `/api/uploads/${created.body.upload.id}/complete`), 410, 'upload_expired');
  });

  it('429 with Retry-After for the per-owner rate limit, the pending cap and the per-address limit', async () => {
    const body = { filename: 'a.png', contentType: 'image/png', size: 10 };
    const limited = await start({ RATE_LIMIT_PER_MINUTE: '2' });
    const b = new Browser(limited.url);
    expect((await b.request('POST', '/api/uploads', body)).status).toBe(201);
    expect((await b.request('POST', '/api/uploads', body)).status).toBe(201);
    const refused = await b.request('POST', '/api/uploads', body);
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const capped = await start({ MAX_PENDING_UPLOADS: '2' });
    const c = new Browser(capped.url);
    await c.request('POST', '/api/uploads', body);
    await c.request('POST', '/api/uploads', body);
    const full = await c.request('POST', '/api/uploads', body);
    expectError(full, 429, 'too_many_pending_uploads');
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);

    const perIp = await start({ RATE_LIMIT_PER_IP_PER_MINUTE: '3' });
    const statuses = [];
    // A new cookie-less browser each time: dropping the cookie must not escape the address limit.
    for (let i = 0; i < 5; i++) statuses.push((await new Browser(perIp.url).request('GET', '/api/images')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('does not let X-Forwarded-For pick the client address unless proxies are trusted', async () => {
    const server = await start({ RATE_LIMIT_PER_IP_PER_MINUTE: '2' });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await new Browser(server.url, { 'x-forwarded-for': `10.0.0.${i}` }).request('GET', '/api/images')).status);
    }
    expect(statuses).toEqual([200, 200, 429]);

    const proxied = await start({ RATE_LIMIT_PER_IP_PER_MINUTE: '2', TRUST_PROXY: '1' });
    const behindProxy = [];
    for (let i = 0; i < 3; i++) {
      behindProxy.push((await new Browser(proxied.url, { 'x-forwarded-for': `10.0.0.${i}` }).request('GET', '/api/images')).status);
    }
    expect(behindProxy).toEqual([200, 200, 200]);
  });
});
