// `doctor` check: the effective storage configuration, and settings that are valid but likely wrong.
import { isIP } from 'node:net';
import type { Config } from '../config/config.js';
import { defaultPublicBaseUrl } from '../adapters/s3/s3-url-resolver.js';
import { checkResult, type CheckResult } from './check-result.js';
import { b2RegionOf, detectProvider } from './provider-profiles.js';

const PROVIDER_NAMES = { aws: 'AWS S3', minio: 'MinIO', r2: 'Cloudflare R2', b2: 'Backblaze B2', other: 'S3-compatible' } as const;

export function checkConfiguration(config: Readonly<Config>): CheckResult {
  const name = 'configuration';
  const origins = config.corsOrigins ? config.corsOrigins.join(', ') : 'unset (same origin only)';
  if (config.storage.kind === 'disk') {
    return checkResult(
      name,
      'ok',
      `storage disk at ${config.storage.root}; upload and file URLs under ${config.publicUrl ?? 'the bound address'}; ` +
        `default visibility ${config.upload.defaultVisibility}; CORS_ORIGINS ${origins}. The disk store serves one instance only.`,
    );
  }

  const { bucket, region, endpoint, forcePathStyle, publicUrl } = config.storage;
  const provider = detectProvider(endpoint);
  const bucketUrl = defaultPublicBaseUrl({ bucket, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) });
  const detail =
    `storage s3 (${PROVIDER_NAMES[provider]}): bucket "${bucket}", region ${region}, endpoint ${endpoint ?? 'AWS'}, ` +
    `${forcePathStyle ? 'path-style' : 'virtual-hosted'} addressing (${bucketUrl}); ` +
    `public URLs from ${publicUrl ?? bucketUrl}${publicUrl ? ' (S3_PUBLIC_URL)' : " (the bucket's own address)"}; ` +
    `default visibility ${config.upload.defaultVisibility}; CORS_ORIGINS ${origins}.`;

  const warnings: Array<{ text: string; fix: string }> = [];
  if (endpoint && !forcePathStyle && isLocalHost(new URL(endpoint).hostname)) {
    warnings.push({
      text: `virtual-hosted addressing puts the bucket in the host name ("${bucket}.${new URL(endpoint).host}"), which an IP address or localhost cannot resolve`,
      fix: 'Set S3_FORCE_PATH_STYLE=true.',
    });
  }
  if (provider === 'r2' && region !== 'auto' && region !== 'us-east-1') {
    warnings.push({ text: `R2's region is "auto", not "${region}"`, fix: 'Set S3_REGION=auto.' });
  }
  if (provider === 'r2' && !publicUrl && config.upload.defaultVisibility === 'public') {
    warnings.push({
      text: "R2's S3 endpoint answers only signed requests, so public image URLs on it do not load",
      fix: "Set S3_PUBLIC_URL to the bucket's r2.dev URL or its custom domain.",
    });
  }
  if (provider === 'b2' && endpoint) {
    const b2Region = b2RegionOf(endpoint);
    if (b2Region && b2Region !== region) {
      warnings.push({ text: `the B2 endpoint is in region ${b2Region}, S3_REGION says ${region}`, fix: `Set S3_REGION=${b2Region}.` });
    }
  }
  if (warnings.length === 0) return checkResult(name, 'ok', detail);
  return checkResult(
    name,
    'warn',
    `${detail}\n${warnings.map((w) => `warning: ${w.text}.`).join('\n')}`,
    warnings.map((w) => w.fix).join(' '),
  );
}

function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost');
}
