import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { defaultPublicBaseUrl } from '../adapters/s3/s3-url-resolver.js';
import { loadConfig } from '../config/config.js';
import { checkConfiguration } from './doctor-config.js';
import { PROVIDER_PROFILES, detectProvider, formatEnv } from './provider-profiles.js';

const guide = () => readFile(new URL('../../../../docs/storage-providers.md', import.meta.url), 'utf8');

describe.each(PROVIDER_PROFILES.map((profile) => [profile.name, profile] as const))('%s example', (_name, profile) => {
  const config = loadConfig(profile.env);
  if (config.storage.kind !== 's3') throw new Error('every example configures S3');
  const { bucket, region, endpoint, forcePathStyle, publicUrl } = config.storage;

  it('passes loadConfig and addresses the bucket where documented', () => {
    expect(defaultPublicBaseUrl({ bucket, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) })).toBe(profile.bucketUrl);
    expect(publicUrl ?? defaultPublicBaseUrl({ bucket, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) })).toBe(profile.publicUrlBase);
  });

  it('is recognised from its endpoint and draws no doctor warning', () => {
    expect(detectProvider(endpoint)).toBe(profile.id === 'minio' ? 'other' : profile.id);
    expect(checkConfiguration(config).status).toBe('ok');
  });

  it('appears in docs/storage-providers.md exactly as here', async () => {
    const text = await guide();
    expect(text).toContain(formatEnv(profile.env));
    expect(text).toContain(profile.publicUrlBase);
  });
});
