import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
      dataDir: resolve('./data'),
      database: { kind: 'sqlite', filename: resolve('./data/direct-upload.sqlite') },
      storage: { kind: 'disk', root: resolve('./data/objects') },
      auth: { mode: 'anonymous' },
      upload: {
        maxBytes: 10_485_760,
        allowedTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'],
        maxPixels: 50_000_000,
        urlTtlSeconds: 300,
        maxPendingUploads: 20,
        defaultVisibility: 'public',
      },
      rateLimit: { perOwnerPerMinute: 60, perIpPerMinute: 300 },
      trustProxy: null,
      corsOrigins: null,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.upload)).toBe(true);
  });

  it('chooses S3 when a bucket is set', () => {
    const config = loadConfig({ S3_BUCKET: 'photos', S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_FORCE_PATH_STYLE: 'true' });
    expect(config.storage).toEqual({ kind: 's3', bucket: 'photos', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });

  it('parses the variants and processing settings', () => {
    expect(loadConfig({}).processing.variants).toEqual([
      { name: 'thumb', width: 256, height: 256, fit: 'cover', format: 'webp' },
      { name: 'medium', width: 1280, height: 1280, fit: 'inside', format: 'webp' },
    ]);
    const config = loadConfig({ VARIANTS: 'small=64x48:inside:jpeg', WORKERS: '0', COMPLETE_WAIT_MS: '0' });
    expect(config.processing).toMatchObject({ variants: [{ name: 'small', width: 64, height: 48, fit: 'inside', format: 'jpeg' }], workers: 0, completeWaitMs: 0 });
  });

  it('selects PostgreSQL and Redis from their URLs', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/app', DATABASE_POOL_SIZE: '25', REDIS_URL: 'redis://cache:6379', RATE_LIMIT_FALLBACK: 'memory' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/app', poolSize: 25 });
    expect(config.redis).toEqual({ url: 'redis://cache:6379', fallback: 'memory' });
    expect(loadConfig({}).redis).toBeNull();
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).database).toEqual({ kind: 'sqlite', filename: '/tmp/x.db' });
  });

  it('treats empty variables as unset and parses lists', () => {
    const config = loadConfig({ PORT: '', UPLOAD_ALLOWED_TYPES: ' image/png , IMAGE/JPEG ', CORS_ORIGINS: 'https://a.test,https://b.test/', TRUST_PROXY: '1' });
    expect(config.port).toBe(3000);
    expect(config.upload.allowedTypes).toEqual(['image/png', 'image/jpeg']);
    expect(config.corsOrigins).toEqual(['https://a.test', 'https://b.test']);
    expect(config.trustProxy).toBe(1);
  });

  it('takes S3 keys from the environment it is given, and leaves them to the AWS provider chain without', () => {
    const s3 = { STORAGE: 's3', S3_BUCKET: 'photos' };
    expect(loadConfig({ ...s3, AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' }).storage).toMatchObject({
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' },
    });
    expect(loadConfig({ ...s3, AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' }).storage).toEqual(
      expect.objectContaining({ credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }),
    );
    expect(loadConfig(s3).storage).not.toHaveProperty('credentials');
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ STORAGE: 'ftp' }, 'STORAGE'],
    [{ STORAGE: 's3' }, 'S3_BUCKET'],
    [{ AUTH_MODE: 'jwt' }, 'AUTH_JWT_SECRET'],
    [{ AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ UPLOAD_ALLOWED_TYPES: 'image/svg+xml' }, 'UPLOAD_ALLOWED_TYPES'],
    [{ UPLOAD_MAX_BYTES: '-1' }, 'UPLOAD_MAX_BYTES'],
    [{ UPLOAD_URL_TTL_SECONDS: '700000' }, 'UPLOAD_URL_TTL_SECONDS'],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ DEFAULT_VISIBILITY: 'secret' }, 'DEFAULT_VISIBILITY'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ RATE_LIMIT_FALLBACK: 'memory' }, 'RATE_LIMIT_FALLBACK'],
    [{ RATE_LIMIT_FALLBACK: 'disk', REDIS_URL: 'redis://127.0.0.1:6379' }, 'RATE_LIMIT_FALLBACK'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
    [{ METRICS: 'maybe' }, 'METRICS'],
    [{ VARIANTS: 'thumb=256:cover:webp' }, 'VARIANTS'],
    [{ VARIANTS: 'thumb=256x256:fill:webp' }, 'VARIANTS'],
    [{ VARIANTS: 'thumb=256x256:cover:webp,thumb=10x10:cover:png' }, 'VARIANTS'],
    [{ VARIANTS: 'original=10x10:cover:png' }, 'VARIANTS'],
    [{ WORKERS: '-1' }, 'WORKERS'],
    [{ COMPLETE_WAIT_MS: 'soon' }, 'COMPLETE_WAIT_MS'],
    [{ AWS_ACCESS_KEY_ID: 'AKID' }, 'AWS_SECRET_ACCESS_KEY'],
    [{ AWS_SECRET_ACCESS_KEY: 'secret' }, 'AWS_ACCESS_KEY_ID'],
    [{ AWS_SESSION_TOKEN: 'token' }, 'AWS_SESSION_TOKEN'],
  ];
  for (const [env, name] of bad) {
    it(`stops with a message naming ${name} for ${JSON.stringify(env)}`, () => {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(name);
    });
  }
});
