// Separate worker processes on PostgreSQL: the API only enqueues; workers process, survive each other's death.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3rverEnv, startS3rver, type S3rverFixture } from '../src/adapters/s3/s3rver-fixture.js';
import { Browser, fetchBytes, send } from './http-client.js';
import { serve, startProcess } from './cli-process.js';
import { createTestDatabase, POSTGRES_URL, serviceAvailable, type TestDatabase } from './services.js';
import { jpegBytes, pngBytes } from './fixtures/images.js';

const available = await serviceAvailable('PostgreSQL', POSTGRES_URL);

describe.skipIf(!available)('API and workers as separate processes on PostgreSQL', () => {
  let s3: S3rverFixture;
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let api: { child: ChildProcess; url: string; exited: Promise<number | null> };
  const children: ChildProcess[] = [];

  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const worker = async (extra: Record<string, string> = {}) => {
    const started = await startProcess(['worker'], { ...env, ...extra }, /worker started/);
    children.push(started.child);
    return started;
  };

  beforeAll(async () => {
    database = await createTestDatabase('du_workers');
    s3 = await startS3rver();
    dataDir = await mkdtemp(join(tmpdir(), 'du-workers-'));
    env = {
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      ...s3rverEnv(s3),
      SECRET_KEY: 'shared-secret-key-for-all-instances-000000',
      PROCESSING_LEASE_SECONDS: '5',
      UPLOAD_MAX_BYTES: '52428800',
      SWEEP_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'info',
    };
    // An API instance that only enqueues: every job must reach a separate worker.
    api = await serve({ ...env, COMPLETE_WAIT_MS: '0' }, ['--no-worker']);
    children.push(api.child);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await s3?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Calls `complete` until it answers something other than 202. */
  async function completeWhenReady(browser: Browser, id: string, deadlineMs = 45_000) {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const reply = await browser.request('POST', `/api/uploads/${id}/complete`);
      if (reply.status !== 202 || Date.now() > until) return reply;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('processes on a worker what the API only enqueued', async () => {
    const browser = new Browser(api.url);
    const bytes = await pngBytes(600, 400);
    const { complete, created } = await browser.upload(bytes, { contentType: 'image/png' });
    expect(complete.status).toBe(202);
    // Nobody processes it until a worker runs.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await browser.request('POST', `/api/uploads/${created.body.upload.id}/complete`)).status).toBe(202);
    expect((await query<{ attempts: number }>('select attempts from uploads where id = $1', [created.body.upload.id]))[0]!.attempts).toBe(0);
    await worker();
    const done = await completeWhenReady(browser, created.body.upload.id);
    expect(done.status).toBe(200);
    expect(done.body.image.variants.thumb).toMatchObject({ width: 256, height: 256 });
    expect((await fetchBytes(done.body.image.url)).bytes.equals(Buffer.from(bytes))).toBe(true);
  });

  it('finishes, on another worker, the job of a worker killed in the middle of it, with one set of variants', async () => {
    for (const child of children.splice(1)) child.kill('SIGKILL');
    const first = await worker();
    const browser = new Browser(api.url);
    // Large enough that processing takes a while.
    const bytes = await jpegBytes(6000, 4000);
    const created = await browser.request('POST', '/api/uploads', { filename: 'big.jpg', contentType: 'image/jpeg', size: bytes.length });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await send(created.body.target, bytes)).status).toBe(200);
    const id = created.body.upload.id as string;
    expect((await browser.request('POST', `/api/uploads/${id}/complete`)).status).toBe(202);
    // Wait until the first worker has claimed it, then kill that worker.
    for (let i = 0; i < 200; i++) {
      const [row] = await query<{ attempts: number }>('select attempts from uploads where id = $1', [id]);
      if (row && row.attempts >= 1) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await query<{ status: string }>('select status from uploads where id = $1', [id]))[0]!.status).toBe('processing');

    await worker();
    const done = await completeWhenReady(browser, id, 90_000);
    expect(done.status).toBe(200);
    const [row] = await query<{ attempts: number }>('select attempts from uploads where id = $1', [id]);
    expect(row!.attempts).toBeGreaterThanOrEqual(2);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `public/${id}/` }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([`public/${id}/medium.webp`, `public/${id}/original`, `public/${id}/thumb.webp`]);
  }, 120_000);
});
