// Schema migrations on PostgreSQL, serialized across every instance that starts at the same time.
import { Kysely, PostgresDialect, sql } from 'kysely';
import { unavailable } from '@direct-upload/core';
import { migrateToLatest } from '../kysely/migrations.js';
import { postgresMigrations } from './postgres-only-migrations.js';
import { pgErrors } from './pg-errors.js';
import { createPgPool } from './pg-pool.js';

/**
 * Key of the session-level advisory lock held while migrating. A single bigint key, so it can never
 * equal an owner lock (those use the two-integer key space) and lies outside the int4 range.
 */
export const MIGRATION_LOCK_KEY = 7_264_105_318_457_020_913n;

/** How long an instance waits for another instance's migration before giving up. */
const MIGRATION_LOCK_WAIT_MS = 5 * 60_000;

/**
 * Migrates the database to the latest schema under an advisory lock, so that instances starting
 * together run each migration once. Kysely locks too, but only after creating its bookkeeping tables,
 * which every instance starting on a fresh database would otherwise race to do. Answers the
 * migrations this call ran.
 */
export async function migratePostgresDatabase(db: Kysely<any>): Promise<string[]> {
  // One connection for all of it: a session-level lock belongs to the connection that took it.
  return db.connection().execute(async (conn) => {
    // A migration may rightly take longer than any request; the session's own settings come back after.
    await sql`select set_config('statement_timeout', '0', false), set_config('lock_timeout', ${String(MIGRATION_LOCK_WAIT_MS)}, false)`.execute(conn);
    try {
      await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      try {
        const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(conn);
        const schema = rows[0]?.schema;
        if (!schema) throw new Error('no schema on the search_path exists: create it, or fix the search_path option');
        return await migrateToLatest(conn, { migrationTableSchema: schema, dialectMigrations: postgresMigrations });
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      }
    } finally {
      await sql`reset statement_timeout`.execute(conn);
      await sql`reset lock_timeout`.execute(conn);
    }
  });
}

/**
 * Migrates the database at `url` (a postgres:// connection string) and answers the migrations it ran,
 * none when the schema is current. For a `migrate` command run before rolling out new instances.
 */
export async function migratePostgres(url: string): Promise<string[]> {
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: createPgPool(url, { poolSize: 1 }) }),
  });
  try {
    return await migratePostgresDatabase(db);
  } catch (error) {
    throw pgErrors.isUnavailable(error) ? unavailable('database', error) : error;
  } finally {
    await db.destroy();
  }
}
