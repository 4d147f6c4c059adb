// PostgresMetadataStore: the Kysely metadata store on a PostgreSQL pool, shared by many stateless instances.
import { Kysely, PostgresDialect, sql } from 'kysely';
import { unavailable } from '@direct-upload/core';
import { KyselyMetadataStore, type OwnerLock } from '../kysely/kysely-metadata-store.js';
import type { Database } from '../kysely/uploads-table.js';
import { pgErrors } from './pg-errors.js';
import { createPgPool, type PgPoolOptions } from './pg-pool.js';
import { migratePostgresDatabase } from './postgres-migrations.js';

export interface PostgresOptions extends PgPoolOptions {
  /** Migrate the schema while opening (default true); false when a `migrate` command does it. */
  migrate?: boolean;
}

/** First half of the two-integer advisory lock key of owners, keeping them apart from other advisory locks. */
const OWNER_LOCK_CLASS = 0x6475; // "du"

/**
 * Serializes one owner's capped inserts across every process until the transaction ends. The owner
 * is hashed to 32 bits: two owners sharing a hash only wait for each other, and never see each
 * other's uploads, so a collision costs throughput, not correctness. A 64-bit hash
 * (`hashtextextended`) would collide less often but would have to share the single-bigint key space
 * with the migration lock and any other application's advisory locks on the same database.
 */
const lockOwner: OwnerLock = async (trx, owner) => {
  await sql`select pg_advisory_xact_lock(${sql.lit(OWNER_LOCK_CLASS)}, hashtext(${owner}))`.execute(trx);
};

export class PostgresMetadataStore extends KyselyMetadataStore {
  constructor(db: Kysely<Database>) {
    super(db, pgErrors, lockOwner);
  }
}

/**
 * Opens a pool on `url` (a postgres:// connection string) and, unless told not to, migrates the
 * schema, which connects at once; without migrating, the first query connects.
 */
export async function openPostgresMetadataStore(url: string, options: PostgresOptions = {}): Promise<PostgresMetadataStore> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPgPool(url, options) }) });
  if (options.migrate !== false) {
    try {
      await migratePostgresDatabase(db);
    } catch (error) {
      await db.destroy();
      throw pgErrors.isUnavailable(error) ? unavailable('database', error) : error;
    }
  }
  return new PostgresMetadataStore(db);
}

export { migratePostgres } from './postgres-migrations.js';
