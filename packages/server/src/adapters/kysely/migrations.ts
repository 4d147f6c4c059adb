// Schema of the metadata database as in-code Kysely migrations, shared by SQLite and PostgreSQL.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

// Only portable column types (text, integer, bigint) so the same migrations serve PostgreSQL;
// `Kysely<any>` because a migration must keep describing the schema as it was when written.
const migrations: Record<string, Migration> = {
  '0001_create_uploads': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('checksum_sha256', 'text')
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('incoming_key', 'text', (c) => c.notNull())
        .addColumn('storage_key', 'text')
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('rejection_code', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('completed_at', 'bigint')
        .execute();
      // Newest-first listing of an owner's images, keyset-paginated on (completed_at, id).
      await db.schema
        .createIndex('uploads_owner_listing')
        .on('uploads')
        .columns(['owner', 'status', 'completed_at desc', 'id desc'])
        .execute();
      // The sweeper's scan for expired uploads and tombstones.
      await db.schema.createIndex('uploads_status_expiry').on('uploads').columns(['status', 'expires_at']).execute();
      // The per-owner quota of unfinished uploads.
      await db.schema
        .createIndex('uploads_owner_pending')
        .on('uploads')
        .columns(['owner', 'status', 'expires_at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('uploads').execute();
    },
  },
  // Background processing: attempts claim an upload; variants and placeholder are its results.
  '0002_processing': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('uploads').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('uploads').addColumn('variants', 'text').execute();
      await db.schema.alterTable('uploads').addColumn('placeholder', 'text').execute();
      // The reconciler's scan for processing uploads whose lease ran out.
      await db.schema.createIndex('uploads_status_lease').on('uploads').columns(['status', 'lease_until']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('uploads_status_lease').execute();
      for (const column of ['placeholder', 'variants', 'attempts']) await db.schema.alterTable('uploads').dropColumn(column).execute();
    },
  },
  /*
   * Each index holds only the rows its query reads. A create then writes two index entries fewer
   * (no listing entry until the image is ready, no lease index at all), and the owner's
   * quota count reads an index of unfinished uploads only, not the owner's whole history. The
   * queries name the same status predicates as literals, which is what lets the planners use them.
   */
  '0004_partial_indexes': {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('uploads_owner_listing').execute();
      await db.schema
        .createIndex('uploads_owner_listing')
        .on('uploads')
        .columns(['owner', 'completed_at desc', 'id desc'])
        .where(sql.ref('status'), '=', 'ready')
        .execute();
      await db.schema.dropIndex('uploads_owner_pending').execute();
      await db.schema
        .createIndex('uploads_owner_pending')
        .on('uploads')
        .columns(['owner', 'expires_at'])
        .where(sql.ref('status'), 'in', ['pending', 'processing'])
        .execute();
      // The reconciler's few processing uploads are found through uploads_status_expiry's status.
      await db.schema.dropIndex('uploads_status_lease').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.createIndex('uploads_status_lease').on('uploads').columns(['status', 'lease_until']).execute();
      await db.schema.dropIndex('uploads_owner_pending').execute();
      await db.schema.createIndex('uploads_owner_pending').on('uploads').columns(['owner', 'status', 'expires_at']).execute();
      await db.schema.dropIndex('uploads_owner_listing').execute();
      await db.schema
        .createIndex('uploads_owner_listing')
        .on('uploads')
        .columns(['owner', 'status', 'completed_at desc', 'id desc'])
        .execute();
    },
  },
};

export interface MigrateOptions {
  /** Migrations only this dialect has, merged with the shared ones by name. */
  dialectMigrations?: Record<string, Migration>;
  /**
   * Schema holding Kysely's own bookkeeping tables. PostgreSQL must name its current schema: left
   * unset, Kysely looks for those tables in every schema and would take another schema's for its own.
   */
  migrationTableSchema?: string;
}

/** The migrator of this schema; for tests that start from an older schema. */
export function schemaMigrator(db: Kysely<any>, options: MigrateOptions = {}): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations, ...options.dialectMigrations }) };
  return new Migrator({ db, provider, migrationTableSchema: options.migrationTableSchema });
}

/** Brings the schema up to date; answers the names of the migrations it ran (none when current). */
export async function migrateToLatest(db: Kysely<any>, options: MigrateOptions = {}): Promise<string[]> {
  const { error, results = [] } = await schemaMigrator(db, options).migrateToLatest();
  if (error !== undefined) throw error;
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
