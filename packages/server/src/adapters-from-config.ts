// Opens the adapters the configuration names: disk or S3, SQLite or PostgreSQL, memory or Redis limits.
import type { DirectUploadSigner, JobRunner, MetadataStore, RateLimiter, Storage, UrlResolver } from '@direct-upload/core';
import { InProcessJobRunner } from './adapters/jobs/in-process-job-runner.js';
import { PgBossJobRunner } from './adapters/jobs/pg-boss-job-runner.js';
import type { Config } from './config/config.js';
import { deriveKey } from './config/secret-key.js';
import { DiskStorage } from './adapters/disk/disk-storage.js';
import { DiskTokens } from './adapters/disk/disk-tokens.js';
import { DiskUploadSigner } from './adapters/disk/disk-upload-signer.js';
import { DiskUrlResolver } from './adapters/disk/disk-url-resolver.js';
import { createS3Client } from './adapters/s3/s3-client.js';
import { presignerFor } from './adapters/s3/s3-bucket-locator.js';
import { S3Storage } from './adapters/s3/s3-storage.js';
import { S3UploadSigner } from './adapters/s3/s3-upload-signer.js';
import { defaultPublicBaseUrl, S3UrlResolver } from './adapters/s3/s3-url-resolver.js';
import { openSqliteMetadataStore } from './adapters/sqlite/sqlite-metadata-store.js';
import { openPostgresMetadataStore } from './adapters/postgres/postgres-metadata-store.js';
import { MemoryRateLimiter } from './adapters/memory/memory-rate-limiter.js';
import { closeRedis, createRedisClient, pingRedis } from './adapters/redis/redis-client.js';
import { oncePerInterval } from './adapters/redis/once-per-interval.js';
import { RedisRateLimiter } from './adapters/redis/redis-rate-limiter.js';
import type { DiskRoutesOptions } from './http/disk-routes.js';
import type { S3Client } from '@aws-sdk/client-s3';

/** The client for a configured S3 store: its keys when the configuration has them, else the provider chain's. */
export function s3ClientFor(storage: Extract<Config['storage'], { kind: 's3' }>): S3Client {
  const { region, endpoint, forcePathStyle, credentials } = storage;
  // A copy: the configuration is frozen, and the SDK records where credentials came from on the object itself.
  return createS3Client({ region, forcePathStyle, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials: { ...credentials } } : {}) });
}

export interface StorageParts {
  storage: Storage;
  signer: DirectUploadSigner;
  urls: UrlResolver;
  /** The embedded store's HTTP endpoints, when STORAGE=disk. */
  disk: Omit<DiskRoutesOptions, 'acceptsBytes'> | null;
  /** The S3 client, when STORAGE=s3. */
  s3: S3Client | null;
  close(): void;
}

export function openStorage(config: Readonly<Config>, publicUrl: string, secret: Uint8Array): StorageParts {
  if (config.storage.kind === 'disk') {
    const storage = new DiskStorage(config.storage.root);
    const tokens = new DiskTokens(deriveKey(secret, 'disk-tokens'));
    return {
      storage,
      signer: new DiskUploadSigner({ tokens, publicUrl }),
      urls: new DiskUrlResolver({ tokens, publicUrl }),
      disk: { storage, tokens },
      s3: null,
      close: () => {},
    };
  }
  const { bucket, region, endpoint, forcePathStyle, publicUrl: publicBase } = config.storage;
  const client = s3ClientFor(config.storage);
  const presigner = presignerFor(client);
  const storage = new S3Storage({ client, bucket, presigner });
  return {
    storage,
    signer: new S3UploadSigner({ client, bucket, presigner }),
    urls: new S3UrlResolver({
      client,
      bucket,
      presigner,
      publicBaseUrl: publicBase ?? defaultPublicBaseUrl({ bucket, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) }),
    }),
    disk: null,
    s3: client,
    close: () => {
      storage.close();
      client.destroy();
    },
  };
}

export async function openMetadataStore(config: Readonly<Config>, warn?: Warn): Promise<MetadataStore> {
  return config.database.kind === 'postgres'
    ? openPostgresMetadataStore(config.database.url, {
        poolSize: config.database.poolSize,
        ...(warn ? { onConnectionError: (error: Error) => warn({ err: error }, 'database connection lost; reconnecting') } : {}),
      })
    : openSqliteMetadataStore(config.database.filename);
}

export interface RateLimiters {
  owner: RateLimiter;
  ip: RateLimiter;
  /** Resolves when the shared limiter store answers (always, for in-process limits). */
  ping(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Logs a warning; the limiters are opened before the HTTP server (and its logger) exists. */
export type Warn = (details: object, message: string) => void;

export function openRateLimiters(config: Readonly<Config>, warn: Warn): RateLimiters {
  const { perOwnerPerMinute, perIpPerMinute } = config.rateLimit;
  if (!config.redis) {
    const owner = new MemoryRateLimiter({ points: perOwnerPerMinute, durationSeconds: 60 });
    const ip = new MemoryRateLimiter({ points: perIpPerMinute, durationSeconds: 60 });
    return {
      owner,
      ip,
      ping: async () => {},
      close: async () => {
        owner.close();
        ip.close();
      },
    };
  }
  const client = createRedisClient(config.redis.url, {
    onError: (error, suppressed) => warn({ err: error, suppressed }, 'redis connection error'),
  });
  const fallback = config.redis.fallback;
  const fallbackNotice = oncePerInterval<unknown>(
    (error, suppressed) => warn({ err: error, suppressed }, 'redis unavailable: per-process rate limits in use'),
    30_000,
  );
  const options = (keyPrefix: string, points: number) => ({
    client,
    keyPrefix,
    points,
    durationSeconds: 60,
    ...(fallback === 'memory'
      ? { fallback: 'memory' as const, onFallback: fallbackNotice }
      : {}),
  });
  return {
    owner: new RedisRateLimiter(options('du:owner', perOwnerPerMinute)),
    ip: new RedisRateLimiter(options('du:ip', perIpPerMinute)),
    ping: (signal) => pingRedis(client, signal),
    close: () => closeRedis(client),
  };
}

/**
 * Jobs one process runs at once for `decoders` images decoded at once (WORKERS): one more, so that a
 * job fetching or storing bytes overlaps the others' decoding instead of leaving a core idle. The
 * decode gate (SharpImageProcessor's maxConcurrent) still lets only `decoders` decode.
 */
export function jobsAtOnce(decoders: number): number {
  return decoders > 0 ? decoders + 1 : 0;
}

/**
 * How a job runner's failures reach the log: a job's own (with its upload), or the queue's (its
 * database connection, pg-boss's maintenance), which are no job's and retry by themselves.
 */
export function jobErrorReporter(warn: Warn): (error: unknown, uploadId?: string) => void {
  return (error, uploadId) =>
    uploadId === undefined
      ? warn({ err: error }, 'job queue error; it keeps retrying (jobs meanwhile wait in the queue)')
      : warn({ err: error, uploadId }, 'processing job failed; it will be retried');
}

/**
 * Where processing jobs go: on PostgreSQL a shared pg-boss queue, so separate `worker` processes
 * take them; otherwise this process runs them. `concurrency` 0 only enqueues.
 */
export function openJobRunner(config: Readonly<Config>, concurrency: number, warn: Warn): JobRunner {
  const onError = jobErrorReporter(warn);
  return config.database.kind === 'postgres'
    ? new PgBossJobRunner({
        connectionString: config.database.url,
        concurrency,
        onError,
        // A job outlives a dead worker only as long as the upload's processing lease.
        expireInSeconds: config.processing.leaseSeconds,
      })
    : new InProcessJobRunner({ concurrency, onError });
}
