// SqliteMetadataStore: the Kysely metadata store on a better-sqlite3 file (WAL), schema migrated at open.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { unavailable, type UploadRecord } from '@direct-upload/core';
import { KyselyMetadataStore } from '../kysely/kysely-metadata-store.js';
import { migrateToLatest } from '../kysely/migrations.js';
import { toRow } from '../kysely/upload-row.js';
import { sqliteErrors } from './sqlite-errors.js';
import { StatementCache } from './statement-cache.js';
import { TurnBatch, type ItemOutcome } from './turn-batch.js';
import { UPLOAD_COLUMN_LIST, UPLOAD_COLUMNS, uploadRowValues, type Database, type NewUploadRow } from '../kysely/uploads-table.js';

export interface SqliteOptions {
  /** How long a statement waits for another connection's lock before failing with 503 (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Answers a row exactly when the owner has at least `offset + 1` unfinished uploads (offset: the cap
 * minus one). The scan stops there, so an owner far over a lowered cap costs no more than one at it;
 * it costs a third of `count(*)` over a `limit`ed subquery, which SQLite runs as a co-routine.
 */
export const AT_CAP_QUERY =
  "select 1 from uploads where owner = ? and status in ('pending', 'processing') and expires_at > ? limit 1 offset ?";

interface CappedInsert {
  row: NewUploadRow;
  maxPending: number;
  now: number;
}

/**
 * The create path (a capped insert per request) runs as prepared statements on the connection
 * itself: building it with Kysely on every request cost more than SQLite running it. Capped inserts
 * of one event-loop turn share one transaction (see TurnBatch). Everything else goes through the
 * portable Kysely store.
 */
export class SqliteMetadataStore extends KyselyMetadataStore {
  private readonly atCap: BetterSqlite3.Statement<[string, number, number], 1>;
  private readonly insert: BetterSqlite3.Statement<unknown[]>;
  private readonly inserts: TurnBatch<CappedInsert, boolean>;

  constructor(
    db: Kysely<Database>,
    private readonly connection: BetterSqlite3.Database,
  ) {
    super(db, sqliteErrors);
    this.atCap = connection.prepare<[string, number, number], 1>(AT_CAP_QUERY).pluck();
    // Positional parameters: binding 21 named ones from an object cost about a third of the insert.
    this.insert = connection.prepare(
      `insert into uploads (${UPLOAD_COLUMN_LIST}) values (${UPLOAD_COLUMNS.map(() => '?').join(', ')})`,
    );
    const insertAll = connection.transaction((items: CappedInsert[]) => items.map((item) => this.insertOne(item)));
    this.inserts = new TurnBatch({
      run: (items) => insertAll(items),
      // A Kysely transaction spans several turns on this same connection: never write inside it.
      ready: () => !connection.inTransaction,
    });
  }

  override async insertUploadWithinCap(record: UploadRecord, maxPending: number, now: Date): Promise<boolean> {
    return this.run(() => this.inserts.submit({ row: toRow(record), maxPending, now: now.getTime() }));
  }

  override async close(): Promise<void> {
    if (!this.closed) this.inserts.flush();
    await super.close();
  }

  /** One item of a batch: a duplicate id fails that item alone; any other error rolls back the batch. */
  private insertOne(item: CappedInsert): ItemOutcome<boolean> {
    // A cap below one admits nothing (SQLite would read the negative offset as 0).
    const atCap = item.maxPending < 1 || this.atCap.get(item.row.owner, item.now, item.maxPending - 1) !== undefined;
    if (atCap) return { ok: true, value: false };
    try {
      this.insert.run(uploadRowValues(item.row));
      return { ok: true, value: true };
    } catch (error) {
      if (!this.errors.isDuplicateKey(error)) throw error;
      return { ok: false, error: this.insertFailure(item.row.id, error) };
    }
  }
}

const isInMemory = (filename: string) => filename === '' || filename === ':memory:';

/** Opens (creating it and its directory if needed) the database file, or ':memory:', and migrates it. */
export async function openSqliteMetadataStore(filename: string, options: SqliteOptions = {}): Promise<SqliteMetadataStore> {
  let connection: BetterSqlite3.Database | undefined;
  try {
    if (!isInMemory(filename)) await mkdir(dirname(resolve(filename)), { recursive: true });
    connection = new BetterSqlite3(filename);
    // busy_timeout first, so that switching to WAL waits for another process holding the file.
    connection.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    connection.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
  } catch (error) {
    connection?.close();
    throw unavailable('database', error);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new StatementCache(connection) }) });
  try {
    await migrateToLatest(db);
    return new SqliteMetadataStore(db, connection);
  } catch (error) {
    await db.destroy();
    throw sqliteErrors.isUnavailable(error) ? unavailable('database', error) : error;
  }
}
