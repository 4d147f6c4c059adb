// Two API processes sharing one PostgreSQL database, one Redis and one S3 server: any instance answers any request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { SignJWT } from 'jose';
import { s3rverEnv, startS3rver, type S3rverFixture } from '../src/adapters/s3/s3rver-fixture.js';
import { Browser, fetchBytes, send } from './http-client.js';
import { serve } from './cli-process.js';
import { createTestDatabase, POSTGRES_URL, REDIS_URL, serviceAvailable, type TestDatabase } from './services.js';
import { pngBytes } from './fixtures/images.js';

const available = (await serviceAvailable('PostgreSQL', POSTGRES_URL)) && (await serviceAvailable('Redis', REDIS_URL));
const JWT_SECRET = 'scale-out-test-secret-0123456789abcdef';

describe.skipIf(!available)('two instances on PostgreSQL, Redis and S3', () => {
  let s3: S3rverFixture;
  let database: TestDatabase;
  let dataDir: string;
  const instances: Array<{ child: ChildProcess; url: string; exited: Promise<number | null> }> = [];

  const token = (owner: string) =>
    new SignJWT({ sub: owner }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(JWT_SECRET));
  const as = async (owner: string, url: string) => new Browser(url, { authorization: `Bearer ${await token(owner)}` });

  beforeAll(async () => {
    database = await createTestDatabase('du_scale');
    s3 = await startS3rver();
    dataDir = await mkdtemp(join(tmpdir(), 'du-scale-'));
    const env = {
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL,
      ...s3rverEnv(s3),
      AUTH_MODE: 'jwt',
      AUTH_JWT_SECRET: JWT_SECRET,
      SECRET_KEY: 'shared-secret-key-for-all-instances-000000',
      RATE_LIMIT_PER_MINUTE: '5',
      RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
      MAX_PENDING_UPLOADS: '100',
      SWEEP_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'info',
    };
    // Both start at once: the migrations must not trip over each other.
    instances.push(...(await Promise.all([serve(env), serve(env)])));
  }, 60_000);

  afterAll(async () => {
    for (const instance of instances) instance.child.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exited));
    await s3?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('creates on one instance and completes on the other', async () => {
    const owner = `user-${randomUUID()}`;
    const [a, b] = [await as(owner, instances[0]!.url), await as(owner, instances[1]!.url)];
    const bytes = await pngBytes(20, 10);
    const created = await a.request('POST', '/api/uploads', { filename: 'x.png', contentType: 'image/png', size: bytes.length });
    expect(created.status).toBe(201);
    expect((await send(created.body.target, bytes)).status).toBe(200);
    const complete = await b.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
    expect(complete.status).toBe(200);
    expect((await fetchBytes(complete.body.image.url)).bytes.equals(Buffer.from(bytes))).toBe(true);
    expect((await a.request('GET', `/api/images/${created.body.upload.id}`)).body.image).toEqual(complete.body.image);
  });

  it('makes exactly one image from concurrent completes spread over both', async () => {
    const owner = `user-${randomUUID()}`;
    const [a, b] = [await as(owner, instances[0]!.url), await as(owner, instances[1]!.url)];
    const bytes = await pngBytes(16, 16);
    const created = await a.request('POST', '/api/uploads', { filename: 'x.png', contentType: 'image/png', size: bytes.length });
    await send(created.body.target, bytes);
    const path = `/api/uploads/${created.body.upload.id}/complete`;
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).request('POST', path)));
    for (const reply of replies) expect([200, 409]).toContain(reply.status);
    const images = replies.filter((r) => r.status === 200).map((r) => r.body.image);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toEqual(images[0]);
    expect((await a.request('GET', '/api/images')).body.images).toHaveLength(1);
  });

  it('holds the per-owner rate limit across both instances', async () => {
    const owner = `user-${randomUUID()}`;
    const [a, b] = [await as(owner, instances[0]!.url), await as(owner, instances[1]!.url)];
    const replies = await Promise.all(
      Array.from({ length: 14 }, (_, i) => (i % 2 ? a : b).request('POST', '/api/uploads', { filename: 'x.png', contentType: 'image/png', size: 10 })),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(9);
  });

  it('keeps serving with nothing lost when one instance is killed mid-traffic', async () => {
    const bytes = await pngBytes(8, 8);
    // One owner per upload, so retries after the kill stay within each owner's rate limit.
    const uploadVia = async (index: number) => {
      const owner = `user-${randomUUID()}`;
      const first = await as(owner, instances[index % 2]!.url);
      const survivor = await as(owner, instances[1]!.url);
      // As behind a load balancer: a request that fails on a dead instance is retried on the other.
      const call = (path: string, body?: unknown) => first.request('POST', path, body).catch(() => survivor.request('POST', path, body));
      const created = await call('/api/uploads', { filename: 'x.png', contentType: 'image/png', size: bytes.length });
      expect(created.status).toBe(201);
      expect((await send(created.body.target, bytes)).status).toBe(200);
      let complete = await call(`/api/uploads/${created.body.upload.id}/complete`);
      // A completion cut short by the kill holds the upload until its lease ends: 409, never an error.
      if (complete.status === 409) complete = await survivor.request('POST', `/api/uploads/${created.body.upload.id}/complete`);
      // 202: the killed instance's worker held the job, so processing outlasted complete's wait; the
      // upload stays processing until its lease ends and the reconciler queues it again.
      expect([200, 202, 409]).toContain(complete.status);
      return { survivor, id: created.body.upload.id as string, completed: complete.status === 200 };
    };
    const traffic = Promise.all(Array.from({ length: 6 }, (_, i) => uploadVia(i)));
    await new Promise((r) => setTimeout(r, 50));
    instances[0]!.child.kill('SIGKILL');
    await instances[0]!.exited;
    const results = await traffic;
    // Those sent to the survivor always complete.
    expect(results.filter((r) => r.completed).length).toBeGreaterThanOrEqual(3);
    for (const { survivor, id, completed } of results) {
      // Every upload is either an image the survivor serves, or still pending for a retry: nothing is lost.
      const listed = (await survivor.request('GET', '/api/images')).body.images.map((i: { id: string }) => i.id);
      expect(listed).toEqual(completed ? [id] : []);
    }
    expect((await results[0]!.survivor.request('GET', '/readyz')).status).toBe(200);
    // Each of two completes may wait out COMPLETE_WAIT_MS (10 s) on a job the killed worker held.
  }, 45_000);
});
