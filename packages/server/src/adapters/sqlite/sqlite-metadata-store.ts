// SqliteMetadataStore: the Kysely metadata store on a better-sqlite3 file (WAL), schema migrated at open.
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { unavailable, type UploadRecord } from '@direct-upload/core';
import { KyselyMetadataStore } from '../kysely/kysely-metadata-store.js';
import { migrateToLatest } from '../kysely/migrations.js';
import { toRow } from '../kysely/upload-row.js';
import { sqliteErrors } from './sqlite-errors.js';
import { StatementCache } from './statement-cache.js';
import { TurnBatch, type ItemOutcome } from '../../turn-batch.js';
import { UPLOAD_COLUMN_LIST, UPLOAD_COLUMNS, uploadRowValues, type Database, type NewUploadRow, type UploadRow } from '../kysely/uploads-table.js';

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
  kind: 'insert';
  row: NewUploadRow;
  maxPending: number;
  now: number;
}

interface CompareAndSet {
  kind: 'compare-and-set';
  query: CompiledQuery<UploadRow>;
}

/** The writes that share a turn's transaction; a capped insert answers whether it fitted, a compare-and-set the row as it became. */
type Write = CappedInsert | CompareAndSet;

/**
 * The writes of the hot paths (a capped insert per `create`, a compare-and-set per `complete` and
 * per processing step) run as prepared statements on the connection itself, and the writes of one
 * event-loop turn share one transaction (see TurnBatch): each commit is a WAL append that blocks
 * the event loop. Everything else goes through the portable Kysely store.
 */
export class SqliteMetadataStore extends KyselyMetadataStore {
  private readonly atCap: BetterSqlite3.Statement<[string, number, number], 1>;
  private readonly insert: BetterSqlite3.Statement<unknown[]>;
  private readonly writes: TurnBatch<Write, unknown>;

  constructor(
    db: Kysely<Database>,
    private readonly connection: BetterSqlite3.Database,
    private readonly statements: StatementCache,
  ) {
    super(db, sqliteErrors);
    this.atCap = connection.prepare<[string, number, number], 1>(AT_CAP_QUERY).pluck();
    // Positional parameters: binding 21 named ones from an object cost about a third of the insert.
    this.insert = connection.prepare(
      `insert into uploads (${UPLOAD_COLUMN_LIST}) values (${UPLOAD_COLUMNS.map(() => '?').join(', ')})`,
    );
    const writeAll = connection.transaction((items: Write[]) =>
      items.map((item): ItemOutcome<unknown> => (item.kind === 'insert' ? this.insertOne(item) : this.compareAndSetOne(item))),
    );
    this.writes = new TurnBatch({
      run: (items) => writeAll(items),
      // A Kysely transaction spans several turns on this same connection: never write inside it.
      ready: () => !connection.inTransaction,
    });
  }

  override async insertUploadWithinCap(record: UploadRecord, maxPending: number, now: Date): Promise<boolean> {
    return this.run(() => this.writes.submit({ kind: 'insert', row: toRow(record), maxPending, now: now.getTime() }) as Promise<boolean>);
  }

  protected override compareAndSet(query: CompiledQuery<UploadRow>): Promise<UploadRow | undefined> {
    return this.writes.submit({ kind: 'compare-and-set', query }) as Promise<UploadRow | undefined>;
  }

  override async close(): Promise<void> {
    if (!this.closed) this.writes.flush();
    await super.close();
  }

  /** One capped insert of a batch: a duplicate id fails that item alone; any other error rolls back the batch. */
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

  /**
   * One compare-and-set of a batch. SQLite undoes a failed statement alone and the transaction goes
   * on, so a statement's own error (a constraint, a trigger) fails that item alone; an unusable
   * database rolls back the batch.
   */
  private compareAndSetOne(item: CompareAndSet): ItemOutcome<UploadRow | undefined> {
    try {
      return { ok: true, value: this.statements.statement<UploadRow>(item.query.sql).get([...item.query.parameters]) };
    } catch (error) {
      if (this.errors.isUnavailable(error)) throw error;
      return { ok: false, error };
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
  const statements = new StatementCache(connection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  try {
    await migrateToLatest(db);
    return new SqliteMetadataStore(db, connection, statements);
  } catch (error) {
    await db.destroy();
    throw sqliteErrors.isUnavailable(error) ? unavailable('database', error) : error;
  }
}
