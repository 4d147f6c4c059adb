// The `worker` command: takes processing jobs from the shared queue, apart from any API instance.
import pino from 'pino';
import { processUpload, silentObserver } from '@direct-upload/core';
import { ConfigError, loadConfig, type Config, type Env } from './config/config.js';
import { loadSecretKey } from './config/secret-key.js';
import { SharpImageProcessor } from './adapters/sharp/sharp-image-processor.js';
import { jobsAtOnce, openJobRunner, openMetadataStore, openStorage } from './adapters-from-config.js';
import { startSweeper } from './sweeper.js';
import { nodeSha256Base64 } from './node-sha256.js';
import { policyOf } from './start-server.js';

export interface RunningWorker {
  config: Readonly<Config>;
  /** Stops taking jobs, lets running ones finish (or aborts them after a grace period), closes pools. */
  close(): Promise<void>;
}

export async function startWorker(env: Env): Promise<RunningWorker> {
  const config = loadConfig(env);
  if (config.database.kind !== 'postgres') {
    throw new ConfigError([
      'DATABASE_URL: a separate worker takes its jobs from PostgreSQL (postgres://...); with SQLite, `serve` runs the jobs itself',
    ]);
  }
  const log = pino({ level: config.logLevel });
  const warn = (details: object, message: string) => log.warn(details, message);
  const secret = await loadSecretKey(config.secretKey, config.dataDir);
  const metadata = await openMetadataStore(config, warn);
  const parts = openStorage(config, config.publicUrl ?? 'http://127.0.0.1', secret);
  const concurrency = Math.max(1, config.processing.workers);
  const jobs = openJobRunner(config, jobsAtOnce(concurrency), warn);
  const deps = {
    metadata,
    storage: parts.storage,
    images: new SharpImageProcessor({ maxConcurrent: concurrency }),
    jobs,
    policy: policyOf(config),
    clock: () => new Date(),
    observer: silentObserver,
    sha256: nodeSha256Base64,
  };
  await jobs.work((uploadId, signal) => processUpload(deps, uploadId, signal));
  const stopSweeper = startSweeper(deps, config.sweepIntervalSeconds, log);
  log.info({ concurrency, storage: config.storage.kind }, 'direct-upload worker started');
  return {
    config,
    async close() {
      await stopSweeper();
      await jobs.stop();
      await metadata.close();
      parts.close();
      log.info('direct-upload worker stopped');
    },
  };
}
