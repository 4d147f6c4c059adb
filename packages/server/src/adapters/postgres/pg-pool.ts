// The node-postgres pool behind the PostgreSQL adapters: bounded waits, lost sessions dropped, errors that never crash the process.
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { pgErrors } from './pg-errors.js';

export interface PgPoolOptions {
  /** Most connections this process opens (default 10). */
  poolSize?: number;
  /** Told about connections lost while idle; the pool replaces them by itself. */
  onConnectionError?: (error: Error) => void;
}

/** Connecting fails after this long, so a database that is down answers 503 quickly instead of hanging. */
const CONNECT_TIMEOUT_MS = 3000;
/** The server cancels a statement running longer than this (a stuck lock or a runaway plan). */
const STATEMENT_TIMEOUT_MS = 15_000;
/** The server ends a session left idle inside a transaction, releasing its locks. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * A pool for Kysely's PostgresDialect; opens no connection yet. Settings given as parameters of the
 * connection string (`?statement_timeout=30000`, `?options=-c%20search_path%3Dother`) take precedence.
 */
export function createPgPool(url: string, options: PgPoolOptions = {}): PostgresPool {
  const onConnectionError = options.onConnectionError ?? (() => {});
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    // Notices a peer that vanished without closing the socket (a failover, a dropped NAT entry).
    keepAlive: true,
  });
  // An idle client's error is emitted by the pool, which has dropped the client already.
  pool.on('error', onConnectionError);
  // A checked-out client between two queries has no listener of its own: without this one its
  // error would be thrown from the socket. Its next query fails instead, and the pool drops it.
  pool.on('connect', (client) => client.on('error', () => {}));
  return {
    connect: async () => new DropWhenBroken(await pool.connect()),
    end: () => pool.end(),
  };
}

/**
 * The server reports a terminated session (a restart, a failover, an administrator) to the running
 * query before it closes the socket, so the pool would take the client back as healthy and fail the
 * next request with it. A client whose query failed for want of the database is dropped instead.
 */
class DropWhenBroken implements PostgresPoolClient {
  private broken = false;

  constructor(private readonly client: pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely streams through cursors only when given a cursor class, which these adapters never do.
    if (typeof sql !== 'string') throw new Error('cursors are not supported');
    return this.run<R>(sql, parameters ?? []);
  }

  release(destroy?: boolean): void {
    this.client.release(destroy === true || this.broken);
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    try {
      // pg answers the command tag as a plain string; Kysely only looks for the ones it names.
      return (await this.client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      if (pgErrors.isUnavailable(error)) this.broken = true;
      throw error;
    }
  }
}
