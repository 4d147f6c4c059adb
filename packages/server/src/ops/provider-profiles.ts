// Known S3-compatible providers: how to recognise their endpoint, and an example environment for each.

export type ProviderId = 'aws' | 'minio' | 'r2' | 'b2';

export interface ProviderProfile {
  id: ProviderId;
  name: string;
  /** A complete example; placeholders are valid values, so the example passes loadConfig as it is. */
  env: Readonly<Record<string, string>>;
  /** Where the SDK, and browsers through presigned URLs, address the bucket (defaultPublicBaseUrl). */
  bucketUrl: string;
  /** The base of public image URLs with this environment. */
  publicUrlBase: string;
}

const ORIGINS = 'https://app.example.com';

export const PROVIDER_PROFILES: readonly ProviderProfile[] = [
  {
    id: 'aws',
    name: 'AWS S3',
    env: { S3_BUCKET: 'example-uploads', S3_REGION: 'eu-west-1', CORS_ORIGINS: ORIGINS },
    bucketUrl: 'https://example-uploads.s3.eu-west-1.amazonaws.com',
    publicUrlBase: 'https://example-uploads.s3.eu-west-1.amazonaws.com',
  },
  {
    id: 'minio',
    name: 'MinIO',
    env: {
      S3_BUCKET: 'uploads',
      S3_ENDPOINT: 'https://minio.example.com',
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      CORS_ORIGINS: ORIGINS,
    },
    bucketUrl: 'https://minio.example.com/uploads',
    publicUrlBase: 'https://minio.example.com/uploads',
  },
  {
    id: 'r2',
    name: 'Cloudflare R2',
    env: {
      S3_BUCKET: 'uploads',
      S3_ENDPOINT: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
      S3_REGION: 'auto',
      S3_PUBLIC_URL: 'https://images.example.com',
      CORS_ORIGINS: ORIGINS,
    },
    bucketUrl: 'https://uploads.0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
    publicUrlBase: 'https://images.example.com',
  },
  {
    id: 'b2',
    name: 'Backblaze B2',
    env: {
      S3_BUCKET: 'example-uploads',
      S3_ENDPOINT: 'https://s3.us-west-004.backblazeb2.com',
      S3_REGION: 'us-west-004',
      S3_PUBLIC_URL: 'https://f004.backblazeb2.com/file/example-uploads',
      CORS_ORIGINS: ORIGINS,
    },
    bucketUrl: 'https://example-uploads.s3.us-west-004.backblazeb2.com',
    publicUrlBase: 'https://f004.backblazeb2.com/file/example-uploads',
  },
];

const B2_ENDPOINT = /^s3\.([a-z0-9-]+)\.backblazeb2\.com$/;

/** The provider behind S3_ENDPOINT; 'other' for anything unrecognised (MinIO has no telltale host). */
export function detectProvider(endpoint: string | undefined): ProviderId | 'other' {
  if (!endpoint) return 'aws';
  const host = new URL(endpoint).hostname.toLowerCase();
  if (host.endsWith('.r2.cloudflarestorage.com')) return 'r2';
  if (B2_ENDPOINT.test(host)) return 'b2';
  if (host.endsWith('.amazonaws.com')) return 'aws';
  return 'other';
}

/** B2 endpoints name their region: s3.<region>.backblazeb2.com. */
export function b2RegionOf(endpoint: string): string | null {
  return B2_ENDPOINT.exec(new URL(endpoint).hostname.toLowerCase())?.[1] ?? null;
}

/** An environment as the lines of a .env file. */
export function formatEnv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}
