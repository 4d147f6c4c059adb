// The operator commands as run from a shell: setup-bucket (and its dry run) and doctor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3rverEnv, startS3rver, type S3rverFixture } from '../src/adapters/s3/s3rver-fixture.js';
import { runCli } from './cli-process.js';
import { createTestDatabase, POSTGRES_URL, serviceAvailable } from './services.js';

const ALLOWED = 'https://app.example';

describe('setup-bucket and doctor against an S3 server', () => {
  let s3: S3rverFixture;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    s3 = await startS3rver();
    dir = await mkdtemp(join(tmpdir(), 'du-ops-cli-'));
    env = {
      DATA_DIR: dir,
      ...s3rverEnv(s3),
      CORS_ORIGINS: ALLOWED,
    };
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A browser's preflight for a direct PUT from `origin`. */
  const preflight = (origin: string) =>
    fetch(`${s3.endpoint}/${s3.bucket}/incoming/x/probe`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });

  it('--dry-run prints the documents and the IAM policy and changes nothing', async () => {
    const result = await runCli(['setup-bucket', '--dry-run'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dry run');
    expect(result.stdout).toContain(`"AllowedOrigins": [\n        "${ALLOWED}"`);
    expect(result.stdout).toContain(`arn:aws:s3:::${s3.bucket}/public/*`);
    expect(result.stdout).toContain('"Prefix": "incoming/"');
    expect(result.stdout).toContain('IAM policy');
    expect((await preflight(ALLOWED)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('doctor reports the missing CORS rule with its fix, and fails', async () => {
    const result = await runCli(['doctor'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('setup-bucket');
  });

  it('applies the CORS rule (a preflight passes for the allowed origin only) and reports what the store lacks', async () => {
    const result = await runCli(['setup-bucket'], env);
    expect(result.stdout).toMatch(/cors\s+applied/);
    // The S3 test server implements neither lifecycle nor bucket policies: said clearly, and the run goes on.
    expect(result.stdout).toMatch(/lifecycle\s+unsupported/i);
    expect(result.stdout).toMatch(/policy\s+unsupported/i);
    expect(result.code).toBe(0);
    // (s3rver answers an allowed preflight with "*", a refused one with 403 and no allow header.)
    const allowed = await preflight(ALLOWED);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).not.toBeNull();
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('doctor passes once the bucket is set up', async () => {
    const result = await runCli(['doctor'], env);
    expect(result.stdout).not.toMatch(/\bFAIL\b/i);
    expect(result.code).toBe(0);
  });

  it('doctor fails, never crashes, when the store is unreachable', async () => {
    const result = await runCli(['doctor'], { ...env, S3_ENDPOINT: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('doctor on embedded defaults', () => {
  it('passes with a writable DATA_DIR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'du-doctor-'));
    try {
      const result = await runCli(['doctor'], { DATA_DIR: dir });
      expect(result.code, result.stdout + result.stderr).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const postgres = await serviceAvailable('PostgreSQL', POSTGRES_URL);

describe.skipIf(!postgres)('migrate on PostgreSQL', () => {
  it('applies the schema once, even when several run at once, then reports it up to date', async () => {
    const database = await createTestDatabase('du_migrate');
    try {
      const env = { DATABASE_URL: database.url };
      const runs = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env), runCli(['migrate'], env)]);
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      expect(runs.filter((r) => r.stdout.includes('Applied migrations: 0001_create_uploads'))).toHaveLength(1);
      const again = await runCli(['migrate'], env);
      expect(again.stdout).toContain('up to date');
      const bad = await runCli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('database is unavailable');
    } finally {
      await database.drop();
    }
  });
});
