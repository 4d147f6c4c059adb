// Operating the server: restarts, dependency failures, CORS, the periodic sweep and the CLI.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { request as httpRequest } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startServer, type RunningServer } from '../src/start-server.js';
import { Browser, fetchBytes, send } from './http-client.js';
import { pngBytes } from './fixtures/images.js';
import { runCli, serve, spawnCli, startProcess } from './cli-process.js';
import { freePort } from '../src/free-port.js';

const dirs: string[] = [];
const running: RunningServer[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'du-ops-'));
  dirs.push(dir);
  return dir;
}

async function start(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer({ PORT: '0', LOG_LEVEL: 'silent', SWEEP_INTERVAL_SECONDS: '0', ...env });
  running.push(server);
  return server;
}

afterAll(async () => {
  for (const server of running) await server.close().catch(() => undefined);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String);
}

describe('restarts', () => {
  it('lose nothing: records, bytes and the browser session survive', async () => {
    const dir = await tempDir();
    const first = await start({ DATA_DIR: dir });
    const browser = new Browser(first.url);
    const bytes = await pngBytes(12, 9);
    const { complete } = await browser.upload(bytes, { contentType: 'image/png' });
    const priv = await browser.upload(bytes, { contentType: 'image/png', visibility: 'private' });
    expect(complete.status).toBe(200);
    await first.close();

    const second = await start({ DATA_DIR: dir });
    const again = browser.moveTo(second.url);
    const listed = await again.request('GET', '/api/images');
    expect(listed.body.images.map((i: any) => i.id)).toEqual([priv.complete.body.image.id, complete.body.image.id]);
    for (const image of listed.body.images) {
      expect((await fetchBytes(image.url)).bytes.equals(bytes)).toBe(true);
    }
  });
});

describe('dependency failures', () => {
  it('answer 503 with Retry-After when the object store is down, and keep the upload pending', async () => {
    const dir = await tempDir();
    // Nothing listens on port 9 of loopback (discard): every S3 call fails to connect.
    const server = await start({
      DATA_DIR: dir,
      STORAGE: 's3',
      S3_BUCKET: 'down',
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const browser = new Browser(server.url);
    const ready = await browser.request('GET', '/readyz');
    expect(ready).toMatchObject({ status: 503, body: { checks: { database: true, storage: false } } });
    // Signing is local: creating an upload still works.
    const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: 10 });
    expect(created.status).toBe(201);
    const complete = await browser.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
    expect({ status: complete.status, code: complete.body.error.code }).toEqual({ status: 503, code: 'service_unavailable' });
    expect(Number(complete.headers.get('retry-after'))).toBeGreaterThan(0);
    const db = new BetterSqlite3(join(dir, 'direct-upload.sqlite'), { readonly: true });
    expect(db.prepare('select status from uploads where id = ?').get(created.body.upload.id)).toEqual({ status: 'pending' });
    db.close();
  });

  it('answer 503 when the database cannot take a write, and no upload URL is issued', async () => {
    const dir = await tempDir();
    const server = await start({ DATA_DIR: dir });
    const browser = new Browser(server.url);
    const lock = new BetterSqlite3(join(dir, 'direct-upload.sqlite'));
    lock.exec('BEGIN EXCLUSIVE');
    try {
      const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: 10 });
      expect({ status: created.status, code: created.body.error?.code }).toEqual({ status: 503, code: 'service_unavailable' });
      expect(created.body.target).toBeUndefined();
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    expect((await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: 10 })).status).toBe(201);
  });
});

describe('Redis down', () => {
  it('answers 503 with Retry-After (never 500), or uses per-process limits with RATE_LIMIT_FALLBACK=memory', async () => {
    const body = { filename: 'a.png', contentType: 'image/png', size: 10 };
    const closed = await start({ DATA_DIR: await tempDir(), REDIS_URL: 'redis://127.0.0.1:9' });
    const browser = new Browser(closed.url);
    const refused = await browser.request('POST', '/api/uploads', body);
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 503, code: 'service_unavailable' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await browser.request('GET', '/readyz')).toMatchObject({ status: 503, body: { checks: { database: true, storage: true, redis: false } } });

    const fallback = await start({ DATA_DIR: await tempDir(), REDIS_URL: 'redis://127.0.0.1:9', RATE_LIMIT_FALLBACK: 'memory', RATE_LIMIT_PER_MINUTE: '2' });
    const b = new Browser(fallback.url);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await b.request('POST', '/api/uploads', body)).status);
    expect(statuses).toEqual([201, 201, 429]);
  });
});

describe('CORS', () => {
  it('is off by default (same origin only) and allows exactly the configured origins', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/api/uploads`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const closed = await start({ DATA_DIR: await tempDir() });
    expect((await preflight(closed.url, 'https://app.example')).headers.get('access-control-allow-origin')).toBeNull();

    const open = await start({ DATA_DIR: await tempDir(), CORS_ORIGINS: 'https://app.example' });
    const allowed = await preflight(open.url, 'https://app.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await preflight(open.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('expiry sweeps', () => {
  it('the in-process sweep expires abandoned uploads and deletes their quarantined bytes', async () => {
    const dir = await tempDir();
    const server = await start({ DATA_DIR: dir, UPLOAD_URL_TTL_SECONDS: '1', UPLOAD_COMPLETE_GRACE_SECONDS: '0', SWEEP_INTERVAL_SECONDS: '1' });
    const browser = new Browser(server.url);
    const bytes = await pngBytes(4, 4);
    const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: bytes.length });
    expect((await send(created.body.target, bytes)).status).toBe(200);
    const id = created.body.upload.id;
    expect((await files(join(dir, 'objects'))).some((f) => f.includes(id))).toBe(true);
    const db = new BetterSqlite3(join(dir, 'direct-upload.sqlite'), { readonly: true });
    const status = () => (db.prepare('select status from uploads where id = ?').get(id) as { status: string }).status;
    for (let i = 0; i < 300 && status() !== 'expired'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(status()).toBe('expired');
    db.close();
    expect((await files(join(dir, 'objects'))).some((f) => f.includes(id))).toBe(false);
  });
});

describe('the direct-upload command', () => {
  it('prints help', async () => {
    const result = await runCli(['--help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('direct-upload <command>');
    expect(result.stdout).toMatch(/serve.*\n.*sweep/s);
  });

  it('refuses an unknown command and a bad configuration, naming the variable', async () => {
    expect((await runCli(['frobnicate'], {})).code).toBe(2);
    const bad = await runCli(['serve'], { PORT: 'eighty', DATA_DIR: await tempDir() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PORT');
    const jwt = await runCli(['sweep'], { AUTH_MODE: 'jwt', DATA_DIR: await tempDir() });
    expect(jwt.code).toBe(1);
    expect(jwt.stderr).toContain('AUTH_JWT_SECRET');
  });

  it('sweep expires what a server left behind, then exits', async () => {
    const dir = await tempDir();
    const server = await start({ DATA_DIR: dir, UPLOAD_URL_TTL_SECONDS: '1', UPLOAD_COMPLETE_GRACE_SECONDS: '0' });
    const browser = new Browser(server.url);
    const bytes = await pngBytes(4, 4);
    const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: bytes.length });
    await send(created.body.target, bytes);
    await server.close();
    await new Promise((r) => setTimeout(r, 1100));
    const result = await runCli(['sweep'], { DATA_DIR: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ expired: 1, purged: 0, requeued: 0, failed: 0 });
    expect((await files(join(dir, 'objects'))).some((f) => f.includes(created.body.upload.id))).toBe(false);
  });

  it('serve starts on embedded defaults, answers, and stops on SIGTERM', async () => {
    const dir = await tempDir();
    const { child, url, exited } = await serve({ DATA_DIR: dir, PORT: '0' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'direct-upload.sqlite'))).toBe(true);
  });

  it('serve logs one line per request at the default level, with upload tokens redacted', async () => {
    const dir = await tempDir();
    const started = await startProcess(['serve'], { DATA_DIR: dir, PORT: '0' }, /"publicUrl":"([^"]+)"/);
    try {
      const url = /"publicUrl":"([^"]+)"/.exec(started.output())![1]!;
      const browser = new Browser(url);
      const bytes = await pngBytes(8, 8);
      const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: bytes.length });
      expect(created.status).toBe(201);
      const target = new URL(created.body.target.url);
      const token = target.searchParams.get('token')!;
      expect((await send(created.body.target, bytes)).status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      // A line is written when its response has finished, which may follow the client's read.
      const accessLines = () =>
        started
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"request completed"'))
          .map((line) => JSON.parse(line) as { req: { method: string; url: string; remoteAddress: string }; res: { statusCode: number }; responseTime: number });
      for (let i = 0; i < 50 && accessLines().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect(accessLines().map((l) => [l.req.method, l.req.url, l.res.statusCode])).toEqual([
        ['POST', '/api/uploads', 201],
        ['PUT', `${target.pathname}?token=[redacted]`, 200],
        ['GET', '/healthz', 200],
      ]);
      expect(accessLines().every((l) => l.req.remoteAddress === '127.0.0.1' && typeof l.responseTime === 'number')).toBe(true);
      expect(started.output()).not.toContain('incoming request');
      expect(started.output()).not.toContain(token);
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  });

  it('serve at LOG_LEVEL=silent writes nothing through an upload, its processing and refused requests', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const started = spawnCli(['serve'], { DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'silent' });
    try {
      const url = `http://127.0.0.1:${port}`;
      // Nothing to wait for in the output: it answers when it is up.
      await vi.waitFor(async () => expect((await fetch(`${url}/healthz`)).ok).toBe(true), { timeout: 15_000, interval: 100 });
      const browser = new Browser(url);
      const bytes = await pngBytes(8, 8);
      const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: bytes.length });
      expect(created.status).toBe(201);
      expect((await send(created.body.target, bytes)).status).toBe(200);
      const completed = await browser.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
      expect(completed.status).toBe(200);
      expect((await browser.request('GET', '/api/images/00000000-0000-7000-8000-000000000000')).status).toBe(404);
      const malformed = await fetch(`${url}/api/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
      expect(malformed.status).toBe(400);
      expect(started.output()).toBe('');
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
    expect(started.output()).toBe('');
  });

  it('on SIGTERM stops accepting, finishes the transfer in flight, then exits', async () => {
    const dir = await tempDir();
    const { child, url, exited } = await serve({ DATA_DIR: dir, PORT: '0' });
    const browser = new Browser(url);
    const bytes = await pngBytes(64, 64);
    const created = await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: bytes.length });
    const target = new URL(created.body.target.url);
    // Send half of the body, stop the server, then send the rest.
    let answered!: (status: number) => void;
    const status = new Promise<number>((resolve) => (answered = resolve));
    const put = httpRequest(target, { method: 'PUT', headers: { ...created.body.target.headers, 'content-length': String(bytes.length) } }, (res) => {
      res.resume();
      answered(res.statusCode ?? 0);
    });
    put.write(bytes.subarray(0, bytes.length >> 1));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // New requests are refused (connection refused, or 503 on a connection kept alive).
    const late = await fetch(`${url}/healthz`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);
    put.end(bytes.subarray(bytes.length >> 1));
    expect(await status).toBe(200);
    expect(await exited).toBe(0);
    const db = new BetterSqlite3(join(dir, 'direct-upload.sqlite'), { readonly: true });
    expect(db.prepare('select status from uploads where id = ?').get(created.body.upload.id)).toEqual({ status: 'pending' });
    db.close();
    expect((await files(join(dir, 'objects'))).some((f) => f.includes(created.body.upload.id))).toBe(true);
  });
});

describe('metrics', () => {
  it('counts uploads, rejections, refusals and request latencies at /metrics; METRICS=off removes it', async () => {
    const server = await start({ DATA_DIR: await tempDir(), RATE_LIMIT_PER_MINUTE: '3' });
    const browser = new Browser(server.url);
    await browser.upload(await pngBytes(4, 4), { contentType: 'image/png' });
    await browser.upload(new TextEncoder().encode('<html>not an image</html>'), { contentType: 'image/png' });
    await browser.upload(await pngBytes(4, 4), { contentType: 'image/png' }).catch(() => undefined);
    await browser.request('POST', '/api/uploads', { filename: 'a.png', contentType: 'image/png', size: 10 });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('direct_upload_uploads_created_total{content_type="image/png"} 3');
    expect(text).toContain('direct_upload_uploads_completed_total{content_type="image/png"} 2');
    expect(text).toContain('direct_upload_uploads_rejected_total{reason="type_mismatch"} 1');
    expect(text).toContain('direct_upload_limit_refusals_total{limit="owner_rate"} 1');
    expect(text).toMatch(/direct_upload_http_request_duration_seconds_count\{method="POST",route="\/api\/uploads\/:id\/complete",status_code="200"\} 2/);

    const off = await start({ DATA_DIR: await tempDir(), METRICS: 'off' });
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
  });
});
