import { describe, expect, it } from 'vitest';
import { loadConfig, type Env } from '../config/config.js';
import { checkConfiguration } from './doctor-config.js';

const check = (env: Env) => checkConfiguration(loadConfig(env));

describe('checkConfiguration', () => {
  it('reports the effective S3 settings: endpoint, addressing, public URL base', () => {
    const result = check({ S3_BUCKET: 'uploads', S3_ENDPOINT: 'https://minio.example.com', S3_FORCE_PATH_STYLE: 'true', CORS_ORIGINS: 'https://app.example.com' });
    expect(result.status).toBe('ok');
    expect(result.detail).toBe(
      'storage s3 (S3-compatible): bucket "uploads", region us-east-1, endpoint https://minio.example.com, ' +
        'path-style addressing (https://minio.example.com/uploads); public URLs from https://minio.example.com/uploads ' +
        "(the bucket's own address); default visibility public; CORS_ORIGINS https://app.example.com.",
    );
  });

  it('reports the disk store', () => {
    const result = check({ DATA_DIR: '/srv/uploads' });
    expect(result.status).toBe('ok');
    expect(result.detail).toContain('storage disk at /srv/uploads/objects');
  });

  it('warns about virtual-hosted addressing on an IP address or localhost', () => {
    for (const endpoint of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000']) {
      const result = check({ S3_BUCKET: 'uploads', S3_ENDPOINT: endpoint });
      expect(result).toMatchObject({ status: 'warn', ok: true, fix: 'Set S3_FORCE_PATH_STYLE=true.' });
    }
  });

  it('warns about R2 without its region or a public domain for public images', () => {
    const result = check({ S3_BUCKET: 'uploads', S3_ENDPOINT: 'https://abc123.r2.cloudflarestorage.com', S3_REGION: 'eu-west-1' });
    expect(result.status).toBe('warn');
    expect(result.detail).toContain('(Cloudflare R2)');
    expect(result.fix).toBe("Set S3_REGION=auto. Set S3_PUBLIC_URL to the bucket's r2.dev URL or its custom domain.");
    expect(check({ S3_BUCKET: 'uploads', S3_ENDPOINT: 'https://abc123.r2.cloudflarestorage.com', S3_REGION: 'auto', DEFAULT_VISIBILITY: 'private' }).status).toBe('ok');
  });

  it('warns when S3_REGION is not the region of a B2 endpoint', () => {
    const result = check({ S3_BUCKET: 'uploads', S3_ENDPOINT: 'https://s3.eu-central-003.backblazeb2.com' });
    expect(result).toMatchObject({ status: 'warn', fix: 'Set S3_REGION=eu-central-003.' });
  });
});
