// The one-shot commands of the CLI: migrate, setup-bucket and doctor.
import { loadConfig, type Env } from './config/config.js';
import { openSqliteMetadataStore } from './adapters/sqlite/sqlite-metadata-store.js';
import { migratePostgres } from './adapters/postgres/postgres-migrations.js';

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
