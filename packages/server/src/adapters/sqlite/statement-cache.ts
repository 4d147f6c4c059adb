// The SQLite connection as Kysely sees it, with each distinct statement compiled once instead of on every query.
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/*
 * Kysely's SQLite driver calls `prepare` for every query it runs: compiling the SQL (parsing,
 * planning) took a tenth of the API's CPU during `complete`s at 200 connections, as much as running
 * the compare-and-set. A prepared statement stays valid across schema changes (SQLite compiles it
 * again when it has to) and can run again once a query is done with it; one still being iterated
 * (a streamed query) is busy, and the caller then gets a fresh statement of its own.
 */

/** Distinct statements kept; the SQL the store builds comes in far fewer shapes. */
export const DEFAULT_MAX_STATEMENTS = 256;

export class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly connection: BetterSqlite3.Database,
    private readonly maxStatements = DEFAULT_MAX_STATEMENTS,
  ) {}

  /** Statements kept (for tests). */
  get size(): number {
    return this.statements.size;
  }

  prepare(sql: string): SqliteStatement {
    return this.statement(sql);
  }

  /** The kept statement for `sql` as better-sqlite3 gives it, for callers that run it themselves. */
  statement<Row = unknown>(sql: string): BetterSqlite3.Statement<unknown[], Row> {
    return this.kept(sql) as BetterSqlite3.Statement<unknown[], Row>;
  }

  private kept(sql: string): BetterSqlite3.Statement {
    const cached = this.statements.get(sql);
    if (cached && !cached.busy) {
      // Most recently used last, so the first in the map is the one to drop.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.connection.prepare(sql);
    if (cached) return statement;
    if (this.statements.size >= this.maxStatements) this.statements.delete(this.statements.keys().next().value!);
    this.statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.connection.close();
  }
}
