// PostgresMetadataStore: the Kysely metadata store on a PostgreSQL pool, shared by many stateless instances.
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import { unavailable, type UploadRecord } from '@direct-upload/core';
import { KyselyMetadataStore } from '../kysely/kysely-metadata-store.js';
import { toRow } from '../kysely/upload-row.js';
import { UPLOAD_COLUMN_LIST, UPLOAD_COLUMNS, uploadRowValues, type Database, type UploadRow } from '../kysely/uploads-table.js';
import { pgErrors } from './pg-errors.js';
import { createPgPool, type PgPoolOptions } from './pg-pool.js';
import { migratePostgresDatabase } from './postgres-migrations.js';
import { PENDING_COUNT_FUNCTION } from './postgres-only-migrations.js';
import type { PgChannelListener } from './pg-channel-listener.js';
import { listenForSettled, SETTLED_CHANNEL, settledPayload } from './pg-settle-listener.js';

export interface PostgresOptions extends PgPoolOptions {
  /** Migrate the schema while opening (default true); false when a `migrate` command does it. */
  migrate?: boolean;
}

const ownerParameter = UPLOAD_COLUMNS.findIndex(([column]) => column === 'owner') + 1;
const nowParameter = UPLOAD_COLUMNS.length + 1;
const capParameter = UPLOAD_COLUMNS.length + 2;

/*
 * One statement, one round trip: the function takes the owner's advisory lock (held until this
 * statement's transaction commits) and counts after it; the row goes in only below the cap. Owners
 * are hashed to 32 bits for the lock: two owners sharing a hash only wait for each other.
 */
const CAPPED_INSERT = `insert into uploads (${UPLOAD_COLUMN_LIST})
select ${UPLOAD_COLUMNS.map(([, type], i) => `$${i + 1}::${type}`).join(', ')}
where ${PENDING_COUNT_FUNCTION}($${ownerParameter}, $${nowParameter}::bigint, $${capParameter}::bigint) < $${capParameter}::bigint
returning id`;

export class PostgresMetadataStore extends KyselyMetadataStore {
  private readonly listener: PgChannelListener;

  constructor(db: Kysely<Database>, url: string, onConnectionError?: (error: Error) => void) {
    super(db, pgErrors);
    this.listener = listenForSettled(url, this.waiters, onConnectionError);
  }

  /** Waits as every store does, and makes sure this process listens for other processes' changes. */
  override waitForSettled(id: string, timeoutMs: number, signal?: AbortSignal): Promise<UploadRecord | null> {
    const waiting = super.waitForSettled(id, timeoutMs, signal);
    if (!this.closed) this.listener.ensure();
    return waiting;
  }

  override async close(): Promise<void> {
    await this.listener.close();
    await super.close();
  }

  /** Waiters in every process listen on the channel; delivered when the change has committed. */
  protected override async announceSettled(row: UploadRow, record: UploadRecord): Promise<void> {
    await super.announceSettled(row, record);
    // Best effort: the change itself is committed, and a waiter that misses this only waits longer.
    await this.db.executeQuery(CompiledQuery.raw('select pg_notify($1, $2)', [SETTLED_CHANNEL, settledPayload(row)])).catch(() => undefined);
  }

  override async insertUploadWithinCap(record: UploadRecord, maxPending: number, now: Date): Promise<boolean> {
    const parameters = [...uploadRowValues(toRow(record)), now.getTime(), maxPending];
    try {
      const { rows } = await this.run(() => this.db.executeQuery(CompiledQuery.raw(CAPPED_INSERT, parameters)));
      return rows.length === 1;
    } catch (error) {
      throw this.insertFailure(record.id, error);
    }
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
  return new PostgresMetadataStore(db, url, options.onConnectionError);
}

export { migratePostgres } from './postgres-migrations.js';
