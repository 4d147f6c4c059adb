// Composition root: builds the adapters named by the configuration and starts the HTTP server.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { acceptsBytes, processUpload, silentObserver, sweep, type SweepResult, type UploadPolicy } from '@direct-upload/core';
import { loadConfig, type Config, type Env } from './config/config.js';
import { deriveKey, loadSecretKey } from './config/secret-key.js';
import { AnonymousCookieAuthorizer } from './adapters/cookie/anonymous-cookie-authorizer.js';
import { JwtAuthorizer } from './adapters/jwt/jwt-authorizer.js';
import { SharpImageProcessor } from './adapters/sharp/sharp-image-processor.js';
import { jobsAtOnce, openJobRunner, openMetadataStore, openRateLimiters, openStorage } from './adapters-from-config.js';
import { anonymousAuthentication, bearerAuthentication } from './http/authenticate.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './metrics/metrics-registry.js';
import { PrometheusUploadObserver } from './metrics/prometheus-upload-observer.js';
import { registerMetrics } from './metrics/metrics-plugin.js';
import { startSweeper } from './sweeper.js';
import { freePort } from './free-port.js';
import { timeOrderedId } from './time-ordered-id.js';
import { nodeSha256Base64 } from './node-sha256.js';
import { sha256Hex } from './hmac-sha256.js';

export interface RunningServer {
  url: string;
  config: Readonly<Config>;
  app: FastifyInstance;
  /** Stops accepting connections, lets requests in flight finish, then closes every pool. */
  close(): Promise<void>;
}

const DEMO_DIR = fileURLToPath(new URL('../../demo/dist', import.meta.url));

export function policyOf(config: Readonly<Config>): UploadPolicy {
  return {
    ...config.upload,
    processingLeaseSeconds: config.processing.leaseSeconds,
    maxProcessingAttempts: config.processing.maxAttempts,
    variants: config.processing.variants,
    completeWaitMs: config.processing.completeWaitMs,
  };
}

const digest = (value: string) => sha256Hex(value).slice(0, 32);

/** Runs the cleanups in reverse order of opening, each even if an earlier one failed. */
class Closer {
  private readonly steps: Array<() => unknown> = [];
  add(step: () => unknown): void {
    this.steps.unshift(step);
  }
  async close(): Promise<void> {
    for (const step of this.steps.splice(0)) await Promise.resolve().then(step).catch(() => undefined);
  }
}

export async function startServer(env: Env): Promise<RunningServer> {
  let config = loadConfig(env);
  // Port 0 means "any free port", but URLs signed before listening must already name it.
  if (config.port === 0) config = loadConfig({ ...env, PORT: String(await freePort(config.host)) });
  const publicUrl = config.publicUrl!;
  const closer = new Closer();
  try {
    const secret = await loadSecretKey(config.secretKey, config.dataDir);
    let app: FastifyInstance | undefined;
    const warn = (details: object, message: string) => app?.log.warn(details, message);
    const metadata = await openMetadataStore(config, warn);
    closer.add(() => metadata.close());
    const parts = openStorage(config, publicUrl, secret);
    closer.add(() => parts.close());
    const metrics = config.metrics ? createMetrics() : null;
    const observer = metrics ? new PrometheusUploadObserver(metrics) : silentObserver;

    const authenticate =
      config.auth.mode === 'jwt'
        ? bearerAuthentication(new JwtAuthorizer(config.auth.secret))
        : anonymousAuthentication(new AnonymousCookieAuthorizer(deriveKey(secret, 'session-cookie')), {
            secure: publicUrl.startsWith('https://'),
          });
    const limiters = openRateLimiters(config, warn);
    closer.add(() => limiters.close());
    const jobs = openJobRunner(config, jobsAtOnce(config.processing.workers), warn);
    closer.add(() => jobs.stop());
    const useCases = {
      metadata,
      storage: parts.storage,
      signer: parts.signer,
      urls: parts.urls,
      images: new SharpImageProcessor(config.processing.workers > 0 ? { maxConcurrent: config.processing.workers } : {}),
      jobs,
      ownerRateLimiter: limiters.owner,
      observer,
      policy: policyOf(config),
      clock: () => new Date(),
      newId: () => timeOrderedId(),
      digest,
      sha256: nodeSha256Base64,
    };
    app = await buildApp({
      // Silent means no logger at all: Fastify then makes no logger per request (a few µs each).
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
      trustProxy: config.trustProxy,
      corsOrigins: config.corsOrigins,
      authenticate,
      sessionCookies: config.auth.mode === 'anonymous',
      ipRateLimiter: limiters.ip,
      observer,
      useCases,
      readinessChecks: {
        database: () => metadata.ping(),
        storage: (signal) => parts.storage.ping({ signal }),
        ...(config.redis ? { redis: (signal?: AbortSignal) => limiters.ping(signal) } : {}),
      },
      ...(metrics ? { instrument: (instance: FastifyInstance) => registerMetrics(instance, metrics) } : {}),
      disk: parts.disk && { ...parts.disk, acceptsBytes: (uploadId) => acceptsBytes(useCases, uploadId) },
      demoDir: DEMO_DIR,
    });
    const server = app;
    // Fastify's close stops accepting connections and waits for requests in flight.
    closer.add(() => server.close());
    if (config.processing.workers > 0) await jobs.work((uploadId, signal) => processUpload(useCases, uploadId, signal));
    // The sweep also queues again the processing that a crash or restart interrupted.
    const stopSweeper = startSweeper(useCases, config.sweepIntervalSeconds, app.log);
    closer.add(stopSweeper);
    await app.listen({ port: config.port, host: config.host });
    app.log.info(
      { publicUrl, storage: config.storage.kind, database: config.database.kind, limits: config.redis ? 'redis' : 'memory', auth: config.auth.mode },
      'direct-upload listening',
    );
    return { url: publicUrl, config, app, close: () => closer.close() };
  } catch (error) {
    await closer.close();
    throw error;
  }
}

/** One expiry sweep with the configured database and store (the `sweep` command). */
export async function runSweep(env: Env): Promise<SweepResult> {
  const config = loadConfig(env);
  const secret = await loadSecretKey(config.secretKey, config.dataDir);
  const metadata = await openMetadataStore(config);
  const parts = openStorage(config, config.publicUrl ?? 'http://127.0.0.1', secret);
  try {
    return await sweep({ metadata, storage: parts.storage, clock: () => new Date() });
  } finally {
    await metadata.close();
    parts.close();
  }
}
