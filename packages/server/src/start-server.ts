// Composition root: builds the adapters named by the configuration and starts the HTTP server.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import {
  acceptsBytes,
  sweep,
  type DirectUploadSigner,
  type MetadataStore,
  type Storage,
  type SweepResult,
  type UploadPolicy,
  type UrlResolver,
} from '@direct-upload/core';
import { loadConfig, type Config, type Env } from './config/config.js';
import { deriveKey, loadSecretKey } from './config/secret-key.js';
import { AnonymousCookieAuthorizer } from './adapters/cookie/anonymous-cookie-authorizer.js';
import { JwtAuthorizer } from './adapters/jwt/jwt-authorizer.js';
import { DiskStorage } from './adapters/disk/disk-storage.js';
import { DiskTokens } from './adapters/disk/disk-tokens.js';
import { DiskUploadSigner } from './adapters/disk/disk-upload-signer.js';
import { DiskUrlResolver } from './adapters/disk/disk-url-resolver.js';
import { createS3Client } from './adapters/s3/s3-client.js';
import { S3Storage } from './adapters/s3/s3-storage.js';
import { S3UploadSigner } from './adapters/s3/s3-upload-signer.js';
import { defaultPublicBaseUrl, S3UrlResolver } from './adapters/s3/s3-url-resolver.js';
import { openSqliteMetadataStore } from './adapters/sqlite/sqlite-metadata-store.js';
import { SharpImageProcessor } from './adapters/sharp/sharp-image-processor.js';
import { MemoryRateLimiter } from './adapters/memory/memory-rate-limiter.js';
import { anonymousAuthentication, bearerAuthentication } from './http/authenticate.js';
import { buildApp } from './http/app.js';
import type { DiskRoutesOptions } from './http/disk-routes.js';
import { startSweeper } from './sweeper.js';

export interface RunningServer {
  url: string;
  config: Readonly<Config>;
  app: FastifyInstance;
  close(): Promise<void>;
}

const DEMO_DIR = fileURLToPath(new URL('../../demo/dist', import.meta.url));
const PROCESSING_LEASE_SECONDS = 120;

interface StorageParts {
  storage: Storage;
  signer: DirectUploadSigner;
  urls: UrlResolver;
  disk: Omit<DiskRoutesOptions, 'acceptsBytes'> | null;
  close(): void;
}

async function openStorage(config: Readonly<Config>, publicUrl: string, secret: Uint8Array): Promise<StorageParts> {
  if (config.storage.kind === 'disk') {
    const storage = new DiskStorage(config.storage.root);
    const tokens = new DiskTokens(deriveKey(secret, 'disk-tokens'));
    return {
      storage,
      signer: new DiskUploadSigner({ tokens, publicUrl }),
      urls: new DiskUrlResolver({ tokens, publicUrl }),
      disk: { storage, tokens },
      close: () => {},
    };
  }
  const { bucket, region, endpoint, forcePathStyle, publicUrl: publicBase } = config.storage;
  const client = createS3Client({ region, forcePathStyle, ...(endpoint ? { endpoint } : {}) });
  return {
    storage: new S3Storage({ client, bucket }),
    signer: new S3UploadSigner({ client, bucket }),
    urls: new S3UrlResolver({
      client,
      bucket,
      publicBaseUrl: publicBase ?? defaultPublicBaseUrl({ bucket, region, forcePathStyle, ...(endpoint ? { endpoint } : {}) }),
    }),
    disk: null,
    close: () => client.destroy(),
  };
}

function policyOf(config: Readonly<Config>): UploadPolicy {
  return { ...config.upload, processingLeaseSeconds: PROCESSING_LEASE_SECONDS };
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/** Port 0 means "any free port", but URLs signed before listening must already name it. */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startServer(env: Env): Promise<RunningServer> {
  let config = loadConfig(env);
  if (config.port === 0) config = loadConfig({ ...env, PORT: String(await freePort(config.host)) });
  const publicUrl = config.publicUrl!;
  const secret = await loadSecretKey(config.secretKey, config.dataDir);
  const metadata = await openSqliteMetadataStore(config.database.filename);
  const parts = await openStorage(config, publicUrl, secret);
  const policy = policyOf(config);

  const authenticate =
    config.auth.mode === 'jwt'
      ? bearerAuthentication(new JwtAuthorizer(config.auth.secret))
      : anonymousAuthentication(new AnonymousCookieAuthorizer(deriveKey(secret, 'session-cookie')), {
          secure: publicUrl.startsWith('https://'),
        });
  const useCases = {
    metadata,
    storage: parts.storage,
    signer: parts.signer,
    urls: parts.urls,
    images: new SharpImageProcessor(),
    ownerRateLimiter: new MemoryRateLimiter({ points: config.rateLimit.perOwnerPerMinute, durationSeconds: 60 }),
    policy,
    clock: () => new Date(),
    newId: () => randomUUID(),
    digest,
  };
  const app = await buildApp({
    logger: { level: config.logLevel },
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    authenticate,
    ipRateLimiter: new MemoryRateLimiter({ points: config.rateLimit.perIpPerMinute, durationSeconds: 60 }),
    useCases,
    disk: parts.disk && {
      ...parts.disk,
      acceptsBytes: (uploadId) => acceptsBytes(useCases, uploadId),
    },
    demoDir: DEMO_DIR,
  });
  const stopSweeper = startSweeper(useCases, config.sweepIntervalSeconds, app.log);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await stopSweeper();
    await app.close();
    await metadata.close();
    parts.close();
    throw error;
  }
  app.log.info({ publicUrl, storage: config.storage.kind, auth: config.auth.mode }, 'direct-upload listening');
  return {
    url: publicUrl,
    config,
    app,
    async close() {
      await stopSweeper();
      await app.close();
      await metadata.close();
      parts.close();
    },
  };
}

/** One expiry sweep with the configured database and store (the `sweep` command). */
export async function runSweep(env: Env): Promise<SweepResult> {
  const config = loadConfig(env);
  const secret = await loadSecretKey(config.secretKey, config.dataDir);
  const metadata: MetadataStore = await openSqliteMetadataStore(config.database.filename);
  const parts = await openStorage(config, config.publicUrl ?? 'http://127.0.0.1', secret);
  try {
    return await sweep({ metadata, storage: parts.storage, clock: () => new Date() });
  } finally {
    await metadata.close();
    parts.close();
  }
}
