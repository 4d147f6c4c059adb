// Server configuration: read once from the environment, validated, frozen.
import { availableParallelism } from 'node:os';
import { resolve, join } from 'node:path';
import { z } from 'zod';
import { IMAGE_TYPES, type ImageType, type VariantSpec } from '@direct-upload/core';
import { DEFAULT_VARIANTS, parseVariants } from './variants.js';

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = z
  .string()
  .trim()
  .url('must be an absolute URL')
  .refine((v) => /^https?:\/\//.test(v), 'must start with http:// or https://')
  .transform((v) => v.replace(/\/+$/, ''));

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const allowedTypes = list.pipe(
  z
    .array(z.string().toLowerCase().pipe(z.enum(IMAGE_TYPES, { message: `each type must be one of ${IMAGE_TYPES.join(', ')}` })))
    .min(1, 'must name at least one type'),
);

const origins = list.pipe(z.array(url).min(1));

/** Every variable the server reads, with its default. Unset and empty mean the same. */
const envSchema = z.object({
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PUBLIC_URL: url.optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: z.string().trim().min(1).optional(),
  DATABASE_POOL_SIZE: integer(1, 1000).default(10),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL')
    .optional(),
  RATE_LIMIT_FALLBACK: z.enum(['none', 'memory']).default('none'),
  METRICS: z.enum(['on', 'off']).default('on'),
  STORAGE: z.enum(['disk', 's3']).optional(),
  S3_BUCKET: z.string().trim().min(3).max(63).optional(),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_ENDPOINT: url.optional(),
  S3_FORCE_PATH_STYLE: boolean.default(false),
  S3_PUBLIC_URL: url.optional(),
  // Read here (not only by the AWS SDK from process.env) so that the environment handed to
  // startServer/startWorker decides, as it does for every other option.
  AWS_ACCESS_KEY_ID: z.string().trim().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().trim().min(1).optional(),
  AUTH_MODE: z.enum(['anonymous', 'jwt']).default('anonymous'),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  UPLOAD_MAX_BYTES: integer(1).default(10_485_760),
  UPLOAD_ALLOWED_TYPES: allowedTypes.default([...IMAGE_TYPES]),
  UPLOAD_MAX_PIXELS: integer(1).default(50_000_000),
  // SigV4 refuses expiries over 7 days; uploads need minutes.
  UPLOAD_URL_TTL_SECONDS: integer(1, 604_800).default(300),
  UPLOAD_COMPLETE_GRACE_SECONDS: integer(0, 86_400).default(600),
  RATE_LIMIT_PER_MINUTE: integer(1).default(60),
  RATE_LIMIT_PER_IP_PER_MINUTE: integer(1).default(300),
  MAX_PENDING_UPLOADS: integer(1).default(20),
  TRUST_PROXY: integer(0, 10).optional(),
  CORS_ORIGINS: origins.optional(),
  DEFAULT_VISIBILITY: z.enum(['public', 'private']).default('public'),
  SWEEP_INTERVAL_SECONDS: integer(0).default(60),
  VARIANTS: z
    .string()
    .default(DEFAULT_VARIANTS)
    .transform((text, ctx) => {
      const parsed = parseVariants(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
  UPLOAD_MAX_FRAMES: integer(1, 100_000).default(200),
  COMPLETE_WAIT_MS: integer(0, 120_000).default(10_000),
  WORKERS: integer(0, 256).optional(),
  PROCESSING_MAX_ATTEMPTS: integer(1, 100).default(5),
  PROCESSING_LEASE_SECONDS: integer(5, 86_400).default(120),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  port: number;
  host: string;
  /** External base URL of this server; null when it must be derived from the bound port. */
  publicUrl: string | null;
  dataDir: string;
  database: { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string; poolSize: number };
  /** Shared rate limits across instances; null = in-process limits. */
  redis: { url: string; fallback: 'none' | 'memory' } | null;
  metrics: boolean;
  storage:
    | { kind: 'disk'; root: string }
    | {
        kind: 's3';
        bucket: string;
        region: string;
        endpoint?: string;
        forcePathStyle: boolean;
        publicUrl?: string;
        /** Keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN); absent: the AWS provider chain. */
        credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
      };
  auth: { mode: 'anonymous' } | { mode: 'jwt'; secret: string };
  /** Signs cookies and the embedded store's URLs; null = generated once and kept in DATA_DIR. */
  secretKey: string | null;
  upload: {
    maxBytes: number;
    allowedTypes: ImageType[];
    maxPixels: number;
    urlTtlSeconds: number;
    completeGraceSeconds: number;
    maxPendingUploads: number;
    defaultVisibility: 'public' | 'private';
    maxFrames: number;
  };
  processing: {
    variants: VariantSpec[];
    completeWaitMs: number;
    /** Processing jobs run at once in this process (0: API only, a `worker` does them). */
    workers: number;
    maxAttempts: number;
    leaseSeconds: number;
  };
  rateLimit: { perOwnerPerMinute: number; perIpPerMinute: number };
  trustProxy: number | null;
  corsOrigins: string[] | null;
  sweepIntervalSeconds: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): Readonly<Config> {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return `${name}: ${issue.message} (got ${JSON.stringify(present[name] ?? null)})`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const storageKind = e.STORAGE ?? (e.S3_BUCKET ? 's3' : 'disk');
  if (storageKind === 's3' && !e.S3_BUCKET) problems.push('S3_BUCKET: is required when STORAGE=s3');
  if (e.AWS_ACCESS_KEY_ID && !e.AWS_SECRET_ACCESS_KEY) problems.push('AWS_SECRET_ACCESS_KEY: is required when AWS_ACCESS_KEY_ID is set');
  if (e.AWS_SECRET_ACCESS_KEY && !e.AWS_ACCESS_KEY_ID) problems.push('AWS_ACCESS_KEY_ID: is required when AWS_SECRET_ACCESS_KEY is set');
  if (e.AWS_SESSION_TOKEN && !e.AWS_ACCESS_KEY_ID) problems.push('AWS_SESSION_TOKEN: goes with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; set them too');
  if (e.AUTH_MODE === 'jwt' && !e.AUTH_JWT_SECRET) problems.push('AUTH_JWT_SECRET: is required when AUTH_MODE=jwt');
  if (e.DATABASE_URL && !/^(sqlite:|file:|postgres:\/\/|postgresql:\/\/)/.test(e.DATABASE_URL)) {
    problems.push('DATABASE_URL: must be postgres://... or sqlite:<path>');
  }
  if (e.RATE_LIMIT_FALLBACK === 'memory' && !e.REDIS_URL) {
    problems.push('RATE_LIMIT_FALLBACK: "memory" is a fallback for Redis; set REDIS_URL too');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(e.DATA_DIR);
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ?? (e.PORT === 0 ? null : `http://${hostForUrl(e.HOST)}:${e.PORT}`),
    dataDir,
    database: /^postgres(ql)?:\/\//.test(e.DATABASE_URL ?? '')
      ? { kind: 'postgres', url: e.DATABASE_URL!, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'sqlite', filename: sqliteFilename(e.DATABASE_URL, dataDir) },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, fallback: e.RATE_LIMIT_FALLBACK } : null,
    metrics: e.METRICS === 'on',
    storage:
      storageKind === 's3'
        ? {
            kind: 's3',
            bucket: e.S3_BUCKET!,
            region: e.S3_REGION,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
            ...(e.S3_PUBLIC_URL ? { publicUrl: e.S3_PUBLIC_URL } : {}),
            ...(e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
              ? {
                  credentials: {
                    accessKeyId: e.AWS_ACCESS_KEY_ID,
                    secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
                    ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}),
                  },
                }
              : {}),
          }
        : { kind: 'disk', root: join(dataDir, 'objects') },
    auth: e.AUTH_MODE === 'jwt' ? { mode: 'jwt', secret: e.AUTH_JWT_SECRET! } : { mode: 'anonymous' },
    secretKey: e.SECRET_KEY ?? null,
    upload: {
      maxBytes: e.UPLOAD_MAX_BYTES,
      allowedTypes: [...new Set(e.UPLOAD_ALLOWED_TYPES)],
      maxPixels: e.UPLOAD_MAX_PIXELS,
      urlTtlSeconds: e.UPLOAD_URL_TTL_SECONDS,
      completeGraceSeconds: e.UPLOAD_COMPLETE_GRACE_SECONDS,
      maxPendingUploads: e.MAX_PENDING_UPLOADS,
      defaultVisibility: e.DEFAULT_VISIBILITY,
      maxFrames: e.UPLOAD_MAX_FRAMES,
    },
    processing: {
      variants: e.VARIANTS,
      completeWaitMs: e.COMPLETE_WAIT_MS,
      workers: e.WORKERS ?? Math.max(1, Math.min(4, availableParallelism())),
      maxAttempts: e.PROCESSING_MAX_ATTEMPTS,
      leaseSeconds: e.PROCESSING_LEASE_SECONDS,
    },
    rateLimit: { perOwnerPerMinute: e.RATE_LIMIT_PER_MINUTE, perIpPerMinute: e.RATE_LIMIT_PER_IP_PER_MINUTE },
    trustProxy: e.TRUST_PROXY ?? null,
    corsOrigins: e.CORS_ORIGINS ?? null,
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
  return deepFreeze(config);
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function sqliteFilename(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return join(dataDir, 'direct-upload.sqlite');
  const path = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
