// The one-shot commands of the CLI: migrate, setup-bucket and doctor.
import { loadConfig, type Env } from './config/config.js';
import { openSqliteMetadataStore } from './adapters/sqlite/sqlite-metadata-store.js';
import { migratePostgres } from './adapters/postgres/postgres-migrations.js';
import { openPostgresMetadataStore } from './adapters/postgres/postgres-metadata-store.js';
import { closeRedis, createRedisClient, pingRedis } from './adapters/redis/redis-client.js';
import { s3ClientFor } from './adapters-from-config.js';
import { bucketSettingsFromConfig, buildBucketDocuments } from './ops/bucket-documents.js';
import { formatSetupReport, setupBucket } from './ops/setup-bucket.js';
import { formatDoctorReport, runDoctor } from './ops/doctor.js';

/** Brings the database schema up to date; answers what it did, for people. */
export async function runMigrate(env: Env): Promise<string> {
  const config = loadConfig(env);
  if (config.database.kind === 'postgres') {
    const ran = await migratePostgres(config.database.url);
    return ran.length > 0 ? `Applied migrations: ${ran.join(', ')}` : 'The database schema is up to date.';
  }
  // Opening the SQLite store migrates it.
  const store = await openSqliteMetadataStore(config.database.filename);
  await store.close();
  return `The SQLite database ${config.database.filename} is up to date.`;
}

/** `setup-bucket [--dry-run]`: applies (or prints) the bucket's CORS, lifecycle and policy documents. */
export async function runSetupBucket(env: Env, dryRun: boolean): Promise<{ ok: boolean; text: string }> {
  const config = loadConfig(env);
  const settings = bucketSettingsFromConfig(config);
  if (!settings || config.storage.kind !== 's3') {
    return { ok: false, text: 'setup-bucket needs STORAGE=s3 and S3_BUCKET: the embedded disk store has no bucket to set up.' };
  }
  const { endpoint, bucket } = config.storage;
  const client = s3ClientFor(config.storage);
  try {
    const report = await setupBucket({ client, bucket, documents: buildBucketDocuments(settings), dryRun, ...(endpoint ? { endpoint } : {}) });
    return { ok: report.ok, text: formatSetupReport(report) };
  } finally {
    client.destroy();
  }
}

/** `doctor`: checks configuration, credentials, bucket, CORS, clock, database and Redis. */
export async function runDoctorCommand(env: Env): Promise<{ ok: boolean; text: string }> {
  const config = loadConfig(env);
  const database = async () => {
    const store =
      config.database.kind === 'postgres'
        ? await openPostgresMetadataStore(config.database.url, { poolSize: 1, migrate: false })
        : await openSqliteMetadataStore(config.database.filename);
    try {
      await store.ping();
    } finally {
      await store.close();
    }
  };
  const redisUrl = config.redis?.url;
  const redis = redisUrl
    ? async (signal?: AbortSignal) => {
        const client = createRedisClient(redisUrl);
        try {
          await pingRedis(client, signal);
        } finally {
          await closeRedis(client);
        }
      }
    : null;
  const report = await runDoctor({ config, database, redis });
  return { ok: report.ok, text: formatDoctorReport(report) };
}
