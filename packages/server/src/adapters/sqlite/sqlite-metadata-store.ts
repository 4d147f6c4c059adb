// SqliteMetadataStore: the Kysely metadata store on a better-sqlite3 file (WAL), schema migrated at open.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { unavailable } from '@direct-upload/core';
import { KyselyMetadataStore } from '../kysely/kysely-metadata-store.js';
import { migrateToLatest } from '../kysely/migrations.js';
import { sqliteErrors } from './sqlite-errors.js';
import type { Database } from '../kysely/uploads-table.js';

export interface SqliteOptions {
  /** How long a statement waits for another connection's lock before failing with 503 (default 5000). */
  busyTimeoutMs?: number;
}

export class SqliteMetadataStore extends KyselyMetadataStore {
  constructor(db: Kysely<Database>) {
    super(db, sqliteErrors);
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw sqliteErrors.isUnavailable(error) ? unavailable('database', error) : error;
  }
  return new SqliteMetadataStore(db);
}
