import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../adapters/s3/s3-client.js';
import { startS3rver, type S3rverFixture } from '../adapters/s3/s3rver-fixture.js';
import { loadConfig, type Env } from '../config/config.js';
import { bucketSettingsFromConfig, buildBucketDocuments } from './bucket-documents.js';
import type { CheckResult } from './check-result.js';
import { formatDoctorReport, runDoctor, type DoctorDeps } from './doctor.js';
import { setupBucket } from './setup-bucket.js';

const APP = 'https://app.example.com';
const OTHER = 'https://elsewhere.example.org';
const fine = async () => {};

let s3: S3rverFixture | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await s3?.close();
  s3 = undefined;
  while (cleanups.length > 0) await cleanups.pop()!();
});

const s3Env = (fixture: S3rverFixture, extra: Env = {}): Env => ({
  S3_BUCKET: fixture.bucket,
  S3_ENDPOINT: fixture.endpoint,
  S3_FORCE_PATH_STYLE: 'true',
  CORS_ORIGINS: APP,
  ...extra,
});

/** A bucket set up by setup-bucket for the given configuration. */
async function preparedS3rver(env: Env = {}): Promise<S3rverFixture> {
  const fixture = await startS3rver();
  const config = loadConfig(s3Env(fixture, env));
  await setupBucket({ client: fixture.client, bucket: fixture.bucket, documents: buildBucketDocuments(bucketSettingsFromConfig(config)!), dryRun: false });
  return fixture;
}

const doctor = (fixture: S3rverFixture, env: Env = {}, deps: Partial<DoctorDeps> = {}) =>
  runDoctor({ config: loadConfig(s3Env(fixture, env)), s3Client: fixture.client, database: fine, redis: fine, ...deps });

const byName = (checks: CheckResult[], name: string) => {
  const check = checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check named ${name} in ${checks.map((c) => c.name).join(', ')}`);
  return check;
};

describe('runDoctor against s3rver', () => {
  it('passes every check for a bucket that setup-bucket prepared, and leaves no probe behind', async () => {
    s3 = await preparedS3rver();
    const report = await doctor(s3);

    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['configuration', 'ok'],
      ['bucket', 'ok'],
      ['upload round trip', 'ok'],
      [`cors ${APP}`, 'ok'],
      ['clock', 'ok'],
      ['database', 'ok'],
      ['redis', 'ok'],
    ]);
    expect(report.ok).toBe(true);
    expect(byName(report.checks, 'configuration').detail).toContain(`path-style addressing (${s3.endpoint}/${s3.bucket})`);
    const left = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    expect(left.Contents ?? []).toEqual([]);
    expect(formatDoctorReport(report)).toContain('7 ok, 0 warning(s), 0 failed, 0 skipped.');
  });

  it('fails the CORS check for an origin the bucket does not allow, with the command that fixes it', async () => {
    s3 = await preparedS3rver();
    const report = await doctor(s3, { CORS_ORIGINS: `${APP},${OTHER}` });

    expect(byName(report.checks, `cors ${APP}`).status).toBe('ok');
    const refused = byName(report.checks, `cors ${OTHER}`);
    expect(refused.status).toBe('fail');
    expect(refused.detail).toContain('no Access-Control-Allow-Origin');
    expect(refused.fix).toContain('direct-upload setup-bucket');
    expect(report.ok).toBe(false);
    const text = formatDoctorReport(report);
    expect(text).toContain(`[FAIL] cors ${OTHER}`);
    expect(text).toContain('fix: Run `direct-upload setup-bucket`');
  });

  it('checks the origin of PUBLIC_URL when CORS_ORIGINS is unset, and says which variable to set', async () => {
    s3 = await startS3rver();
    const report = await doctor(s3, { CORS_ORIGINS: '', PUBLIC_URL: 'https://uploads.example.com' });

    const check = byName(report.checks, 'cors https://uploads.example.com');
    expect(check.status).toBe('fail');
    expect(check.detail).toContain('CORS_ORIGINS is unset');
    expect(check.fix).toContain('Set CORS_ORIGINS=https://uploads.example.com');
  });

  it('reports a bucket that does not exist as a failed check, skips what depends on it, and does not throw', async () => {
    s3 = await startS3rver();
    const report = await doctor(s3, { S3_BUCKET: 'no-such-bucket' });

    const bucket = byName(report.checks, 'bucket');
    expect(bucket.status).toBe('fail');
    expect(bucket.detail).toContain('"no-such-bucket" does not exist');
    expect(bucket.fix).toContain('Create the bucket "no-such-bucket"');
    expect(byName(report.checks, 'upload round trip').status).toBe('skip');
    expect(byName(report.checks, 'cors').status).toBe('skip');
    expect(byName(report.checks, 'database').status).toBe('ok');
    expect(report.ok).toBe(false);
  });

  it('reports an endpoint that refuses connections as failed checks naming S3_ENDPOINT, and does not throw', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    const client = createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    cleanups.push(async () => client.destroy());

    const report = await runDoctor({
      config: loadConfig({ S3_BUCKET: 'uploads', S3_ENDPOINT: endpoint, S3_FORCE_PATH_STYLE: 'true', CORS_ORIGINS: APP }),
      s3Client: client,
      database: fine,
    });

    const bucket = byName(report.checks, 'bucket');
    expect(bucket.status).toBe('fail');
    expect(bucket.detail).toContain('ECONNREFUSED');
    expect(bucket.fix).toContain(`S3_ENDPOINT (${endpoint})`);
    expect(byName(report.checks, 'clock').status).toBe('fail');
    expect(report.ok).toBe(false);
  });

  it("detects a skewed clock from the store's Date header", async () => {
    s3 = await preparedS3rver();
    const shifted = (ms: number) => () => new Date(Date.now() + ms);

    const ahead = await doctor(s3, {}, { clock: shifted(5 * 60_000) });
    expect(byName(ahead.checks, 'clock')).toMatchObject({ status: 'warn', ok: true });
    const seconds = Number(/is (\d+) s ahead of the store's/.exec(byName(ahead.checks, 'clock').detail)?.[1]);
    expect(Math.abs(seconds - 300)).toBeLessThanOrEqual(2);
    expect(ahead.ok).toBe(true);

    const farAhead = await doctor(s3, {}, { clock: shifted(20 * 60_000) });
    expect(byName(farAhead.checks, 'clock')).toMatchObject({ status: 'fail', ok: false });
    expect(byName(farAhead.checks, 'clock').detail).toContain('SigV4 refuses requests more than 15 minutes off');

    // Behind by more than the URL lifetime: every upload URL is born expired, and s3rver refuses the probe's.
    const behind = await doctor(s3, {}, { clock: shifted(-10 * 60_000) });
    expect(byName(behind.checks, 'clock').status).toBe('fail');
    expect(byName(behind.checks, 'clock').detail).toContain('expire before a browser can use them');
    expect(byName(behind.checks, 'clock').fix).toContain('NTP');
    expect(byName(behind.checks, 'upload round trip').status).toBe('fail');
  });

  it('fails the database and Redis checks when their pings fail or hang', async () => {
    s3 = await preparedS3rver();
    const report = await doctor(s3, {}, {
      database: () => new Promise<void>(() => {}),
      redis: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
      timeoutMs: 500,
    });

    expect(byName(report.checks, 'database')).toMatchObject({ status: 'fail', detail: 'no answer within 0.5 s' });
    const redis = byName(report.checks, 'redis');
    expect(redis.status).toBe('fail');
    expect(redis.detail).toContain('ECONNREFUSED');
    expect(redis.fix).toContain('REDIS_URL');
  });
});

describe('runDoctor with the disk store', () => {
  it('checks that DATA_DIR is writable instead of a bucket', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'doctor-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const report = await runDoctor({ config: loadConfig({ DATA_DIR: dataDir }), database: fine });

    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['configuration', 'ok'],
      ['data directory', 'ok'],
      ['database', 'ok'],
    ]);
  });

  it('fails when DATA_DIR cannot be written, naming the variable', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'doctor-'));
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const file = join(parent, 'not-a-directory');
    await writeFile(file, '');
    const report = await runDoctor({ config: loadConfig({ DATA_DIR: join(file, 'data') }), database: fine });

    const check = byName(report.checks, 'data directory');
    expect(check.status).toBe('fail');
    expect(check.detail).toContain('ENOTDIR');
    expect(check.fix).toContain('DATA_DIR');
    expect(report.ok).toBe(false);
  });
});
