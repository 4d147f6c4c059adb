// The API client over real HTTP: the session gate, error decoding, aborts and URL handling.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cookieFetch } from '../test/support/cookie-fetch.js';
import { createApiClient } from './api-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let close: (() => Promise<void>) | null = null;

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await close?.();
  close = null;
});

const image = (id: string) => ({ id, status: 'ready', filename: `${id}.png`, url: `/i/${id}`, contentType: 'image/png', size: 1, width: 1, height: 1, visibility: 'public', createdAt: '', metadata: {} });

describe('API client', () => {
  it('sends calls made together one at a time until the first answer brought the session cookie', async () => {
    // Like the server in anonymous mode: a request without a cookie gets a new owner and a cookie for it.
    let owners = 0;
    let inFlight = 0;
    let maxInFlightWithoutCookie = 0;
    const ownerOfCall: string[] = [];
    const endpoint = await serve((req, res) => {
      inFlight += 1;
      const cookie = /du_session=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
      if (!cookie) maxInFlightWithoutCookie = Math.max(maxInFlightWithoutCookie, inFlight);
      setTimeout(() => {
        const owner = cookie ?? `owner${++owners}`;
        ownerOfCall.push(owner);
        inFlight -= 1;
        res.writeHead(200, { 'content-type': 'application/json', ...(cookie ? {} : { 'set-cookie': `du_session=${owner}; Path=/; HttpOnly` }) });
        res.end(JSON.stringify({ images: [], nextCursor: null }));
      }, 20);
    });
    const jar = cookieFetch();
    const client = createApiClient({ endpoint, fetch: jar.fetch });
    await Promise.all([client.listImages(), client.listImages(), client.listImages({ limit: 5 }), client.deleteImage('x').catch(() => undefined)]);
    expect(owners).toBe(1);
    expect(new Set(ownerOfCall)).toEqual(new Set(['owner1']));
    expect(maxInFlightWithoutCookie).toBe(1);
  });

  it("decodes the API's error body into code, status and a retryable flag", async () => {
    const endpoint = await serve((req, res) => {
      if (req.url === '/api/images/gone') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } }));
      }
      res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '7' });
      res.end('<h1>maintenance</h1>');
    });
    const client = createApiClient({ endpoint });
    await expect(client.deleteImage('gone')).rejects.toMatchObject({ code: 'not_found', status: 404, retryable: false, message: 'Not found.' });
    await expect(client.listImages()).rejects.toMatchObject({ code: 'service_unavailable', status: 503, retryable: true, retryAfterMs: 7000 });
  });

  it('reports a refused connection as a retryable network error', async () => {
    const endpoint = await serve((_req, res) => res.end());
    await close!();
    close = null;
    await expect(createApiClient({ endpoint }).getConfig()).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });

  it('reports an aborted call as aborted', async () => {
    const endpoint = await serve(() => undefined);
    const controller = new AbortController();
    const pending = createApiClient({ endpoint }).completeUpload('u1', controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('refuses an answer that is not the expected shape', async () => {
    const endpoint = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ images: 'nope' }));
    });
    await expect(createApiClient({ endpoint }).listImages()).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('passes list paging through the query string', async () => {
    const seen: string[] = [];
    const endpoint = await serve((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ images: [image('a')], nextCursor: 'c2' }));
    });
    const page = await createApiClient({ endpoint: `${endpoint}/` }).listImages({ limit: 1, cursor: 'c1' });
    // An image from a server without processing gets the fields a newer one sends, empty.
    expect(page).toEqual({ images: [{ ...image('a'), variants: {}, placeholder: null }], nextCursor: 'c2' });
    expect(seen).toEqual(['/api/images?limit=1&cursor=c1']);
  });

  it("tells a ready image (200) from one the server still processes (202, with its Retry-After), and refuses other answers", async () => {
    const thumb = { url: '/i/a/thumb.webp', width: 1, height: 1, contentType: 'image/webp', size: 9 };
    const answers: Record<string, [number, unknown, Record<string, string>?]> = {
      '/api/uploads/a/complete': [200, { image: { ...image('a'), variants: { thumb, broken: { width: 1 } }, placeholder: '#a1b2c3' } }],
      '/api/uploads/b/complete': [202, { upload: { id: 'b', status: 'processing', expiresAt: '2026-01-01T00:00:00.000Z' } }, { 'retry-after': '1' }],
      '/api/uploads/e/complete': [202, { upload: { id: 'e', status: 'processing', expiresAt: '2026-01-01T00:00:00.000Z' } }],
      '/api/uploads/c/complete': [200, { image: image('c') }],
      '/api/uploads/d/complete': [202, { upload: { id: 'd', status: 'pending' } }],
    };
    const endpoint = await serve((req, res) => {
      const [status, body, headers] = answers[req.url ?? ''] ?? [404, {}];
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    });
    const client = createApiClient({ endpoint });
    expect(await client.completeUpload('a')).toEqual({ status: 'ready', image: { ...image('a'), variants: { thumb }, placeholder: '#a1b2c3' } });
    expect(await client.completeUpload('b')).toEqual({
      status: 'processing',
      upload: { id: 'b', status: 'processing', expiresAt: '2026-01-01T00:00:00.000Z' },
      retryAfterMs: 1000,
    });
    expect(await client.completeUpload('e')).toEqual({
      status: 'processing',
      upload: { id: 'e', status: 'processing', expiresAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(await client.completeUpload('c')).toEqual({ status: 'ready', image: { ...image('c'), variants: {}, placeholder: null } });
    await expect(client.completeUpload('d')).rejects.toMatchObject({ code: 'invalid_response', status: 202 });
  });

  it('resolves relative upload targets against the endpoint and leaves absolute ones alone', () => {
    const client = createApiClient({ endpoint: 'https://api.example.test/' });
    expect(client.resolveUrl('/storage/upload/abc?token=1')).toBe('https://api.example.test/storage/upload/abc?token=1');
    expect(client.resolveUrl('https://bucket.s3.example.test/k?X-Amz-Expires=60')).toBe('https://bucket.s3.example.test/k?X-Amz-Expires=60');
  });
});
